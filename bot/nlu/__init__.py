"""Custom Rasa NLU components for Chinese privacy questions.

- ``PrivacyJiebaTokenizer`` — jieba over normalised text; user dictionary in the fingerprint.
- ``EntityCanonicalizer`` — entity values mapped onto the contract's canonical vocabulary.

Referenced from ``config.yml`` by their module path.
"""
