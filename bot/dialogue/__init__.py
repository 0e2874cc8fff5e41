"""What the assistant says and decides, independent of Rasa's action API.

- ``vocabulary``  labels for the contract's values; which intent answers which topic
- ``answers``     policy answers and settings paths composed from an app's knowledge base
- ``requests``    what each request flow needs from the user, and its wording
- ``fallback``    uncertain messages and out-of-scope questions
- ``handoff``     summaries for human agents, incident advice

``actions/`` adapts these to Rasa; tests exercise them directly against the real knowledge bases.
"""
