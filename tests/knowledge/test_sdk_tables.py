"""SDK lists exported from tables with several columns, on synthetic policies."""
from __future__ import annotations

from .helpers import knowledge_of


def policy(*lines: str) -> str:
    return "示例隐私政策\n四、第三方SDK\n" + "\n".join(lines) + "\n五、联系我们\n请发送邮件至privacy@example.com。\n"


def test_a_table_whose_cells_are_separated_by_spaces():
    kb = knowledge_of(policy(
        "技术支持类合作伙伴收集相关信息具体如下：",
        "SDK名称场景共享个人信息字段第三方隐私权政策",
        "友盟 APP统计服务",
        "Mac地址、唯一设备识别码以提供统计分析服务点击查看第三方隐私政策",
        "七牛云 文件存储 设备的网络种类点击查看第三方隐私政策",
        "微信/朋友圈分享 分享",
        "用户ID、设备信息点击查看第三方隐私政策",
        "（2）如您选择参与我们和第三方联合开展的抽奖活动，我们可能与其共享必要的信息。"))
    assert [(s.name, s.purpose, s.data) for s in kb.sdks] == [
        ("友盟", "APP统计服务", "Mac地址、唯一设备识别码以提供统计分析服务"),
        ("七牛云", "文件存储", "设备的网络种类"),
        ("微信/朋友圈分享", "分享", "用户ID、设备信息"),
    ]


def test_a_table_whose_cells_are_separated_by_tabs():
    kb = knowledge_of(policy(
        "SDK名称\t使用目的\t收集的个人信息",
        "极光推送SDK\t消息推送\t设备标识符",
        "高德地图SDK\t定位\t位置信息"))
    assert [(s.name, s.purpose, s.data) for s in kb.sdks] == [
        ("极光推送SDK", "消息推送", "设备标识符"), ("高德地图SDK", "定位", "位置信息")]
