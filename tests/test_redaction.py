"""Masking personal data in free text, and reading masked text back in its usual shape."""
from bot.redaction import mask, unmasked_shape


def test_phone_numbers_codes_and_id_numbers_are_masked():
    masked = mask("手机 13912345678，验证码 482913，身份证 110101199003071234")
    assert masked == "手机 139****5678，验证码 ******，身份证 [身份证号]"


def test_masked_values_are_read_back_in_their_shape_but_not_as_the_users_values():
    shaped = unmasked_shape(mask("电脑上怎么注销账号？我的手机是13912345678，码是482913"))
    assert shaped == "电脑上怎么注销账号？我的手机是13900005678，码是000000"
    assert "1234" not in shaped and "482913" not in shaped


def test_stars_that_are_not_a_masked_value_stay():
    assert unmasked_shape("好评********") == "好评********"
