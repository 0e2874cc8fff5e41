"""Demo users: made-up but realistic Chinese profiles, seeded per app (idempotent).

Phone numbers are ``1390000xxxx``-style: valid format, obviously fake. ID numbers are 18 digits
with a correct check digit and an impossible sequence (``999``), so they pass format checks only.
"""
from __future__ import annotations

import random
import zlib
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.backend.apps import LAUNCH_APPS
from bot.backend.config import CHANNELS
from bot.backend.ids import new_id
from bot.backend.models import (
    Address, BrowsingHistory, ChannelPreference, IdentityBinding, Invoice, Order, Review,
    SearchHistory, User,
)

PERSONAS = [
    ("张伟", "male", date(1988, 3, 14), "北京市", "北京市", "朝阳区", "望京街道阜通东大街6号院3号楼1201", "110105"),
    ("王芳", "female", date(1992, 7, 2), "上海市", "上海市", "浦东新区", "张江镇碧波路690号5幢802室", "310115"),
    ("李娜", "female", date(1995, 11, 23), "广东省", "深圳市", "南山区", "粤海街道科技园南区高新南七道18号", "440305"),
    ("刘洋", "male", date(1985, 1, 30), "浙江省", "杭州市", "西湖区", "文三路478号华星时代广场A座1506", "330106"),
    ("陈静", "female", date(1990, 9, 9), "四川省", "成都市", "武侯区", "天府大道北段1700号环球中心W2区", "510107"),
    ("杨磊", "male", date(1998, 5, 18), "湖北省", "武汉市", "洪山区", "珞喻路1037号光谷广场旁金地中心2801", "420111"),
]
PRODUCTS = [
    ("三只松鼠坚果礼盒 1.5kg", 12900), ("维达抽纸 3层120抽×24包", 5990), ("小米手环8 NFC版", 29900),
    ("农夫山泉饮用天然水 550ml×24瓶", 3300), ("安踏运动鞋 男款跑步鞋", 39900),
    ("九阳豆浆机 家用全自动", 49900), ("蓝月亮洗衣液 3kg×2", 6990), ("华为FreeBuds 5i 耳机", 44900),
]
SEARCHES = ["无线耳机 降噪", "儿童保温杯", "空气炸锅 推荐", "羽绒服 女 长款", "猫粮 成猫 10kg",
            "家用投影仪", "跑步鞋 男 减震"]
REVIEW_TEXTS = ["物流很快，包装完好，东西和描述一致，好评！", "质量一般，用了一周就有点松了，客服态度还行。",
                "回购很多次了，一直很满意，推荐购买。"]
APP_USER_PREFIX = {"melochi": "mlc_", "yhd": "yhd_", "miniapp": "mini_", "tego": "tg_", "liqun": "lq_"}


def id_number(region: str, birthday: date, sequence: int) -> str:
    body = f"{region}{birthday:%Y%m%d}{sequence:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
    return body + check


def create_user(session: Session, app_id: str, index: int, *, phone: str, app_user_id: str,
                openid: str | None, now: datetime, persona: int | None = None,
                real_name: str | None = None, id_sequence: int | None = None,
                street_suffix: str = "", nickname: str | None = None, demo: bool = False) -> User:
    """One user with a full set of personal data; deterministic for a given ``index``."""
    rng = random.Random(f"{app_id}:{index}:{app_user_id}")
    name, gender, birthday, province, city, district, street, region = PERSONAS[
        (persona if persona is not None else index) % len(PERSONAS)]
    name, street = real_name or name, street + street_suffix
    sequence = id_sequence if id_sequence is not None else 990 + index % 10
    user = User(id=new_id("U"), app_id=app_id, status="active", nickname=nickname or f"{name[0]}小{name[-1]}的生活",
                real_name=name, id_number=id_number(region, birthday, sequence),
                phone=phone, email=f"{app_user_id}@example.com", gender=gender, birthday=birthday,
                registered_at=now - timedelta(days=400 + index), is_demo=demo)
    session.add(user)
    session.flush()
    session.add(IdentityBinding(app_id=app_id, user_id=user.id, kind="app_user_id", value=app_user_id,
                                created_at=now))
    if openid:
        session.add(IdentityBinding(app_id=app_id, user_id=user.id, kind="wechat_openid", value=openid,
                                    created_at=now))
    full_address = f"{province}{city}{district}{street}"
    session.add(Address(user_id=user.id, recipient=name, phone=phone, province=province, city=city,
                        district=district, detail=street, is_default=True))
    for n in range(3):
        title, price = rng.choice(PRODUCTS)
        quantity = rng.randint(1, 3)
        placed = now - timedelta(days=rng.randint(3, 300), hours=rng.randint(0, 23))
        order_no = f"{app_id[:2].upper()}{placed:%Y%m%d}{rng.randint(10**7, 10**8 - 1)}"
        session.add(Order(app_id=app_id, user_id=user.id, order_no=order_no, placed_at=placed,
                          status="completed", total_cents=price * quantity,
                          items=[{"title": title, "quantity": quantity, "unit_price_cents": price}],
                          recipient_name=name, recipient_phone=phone, shipping_address=full_address))
        if n == 0:
            session.add(Invoice(app_id=app_id, user_id=user.id, order_no=order_no,
                                invoice_no=f"0{rng.randint(10**10, 10**11 - 1)}", title=name,
                                tax_id=None, email=user.email, amount_cents=price * quantity,
                                issued_at=placed + timedelta(days=1)))
            session.add(Review(user_id=user.id, order_no=order_no, rating=rng.randint(3, 5),
                               content=rng.choice(REVIEW_TEXTS), created_at=placed + timedelta(days=5)))
    for n in range(4):
        session.add(BrowsingHistory(user_id=user.id, item_title=rng.choice(PRODUCTS)[0],
                                    viewed_at=now - timedelta(hours=rng.randint(1, 500))))
    for n in range(3):
        session.add(SearchHistory(user_id=user.id, query=rng.choice(SEARCHES),
                                  searched_at=now - timedelta(hours=rng.randint(1, 500))))
    for channel in CHANNELS:
        session.add(ChannelPreference(user_id=user.id, channel=channel, subscribed=True, updated_at=now))
    return user


def demo_index(app_id: str) -> int:
    """The app's number in demo phones: the launch apps 0–4 in their README order, any other app
    a stable number from its id (so re-seeding never moves a demo user's phone)."""
    if app_id in LAUNCH_APPS:
        return LAUNCH_APPS.index(app_id)
    return len(LAUNCH_APPS) + zlib.crc32(app_id.encode()) % (99 - len(LAUNCH_APPS))


def demo_phone(app_index: int, n: int) -> str:
    return f"139000{app_index + 1:02d}{n + 1:03d}"


def seed_demo_users(session: Session, app_id: str, app_index: int, count: int = 3,
                    now: datetime | None = None) -> list[User]:
    """Create the app's demo users unless they exist; returns all of them."""
    now = now or datetime.now(timezone.utc)
    prefix = APP_USER_PREFIX.get(app_id, f"{app_id}_")
    users = []
    for n in range(count):
        app_user_id = f"{prefix}{10001 + n}"
        binding = session.execute(select(IdentityBinding).where(
            IdentityBinding.app_id == app_id, IdentityBinding.kind == "app_user_id",
            IdentityBinding.value == app_user_id)).scalar_one_or_none()
        if binding is not None:
            user = session.get(User, binding.user_id)
            user.is_demo = True  # seeded before the flag existed
            users.append(user)
            continue
        users.append(create_user(session, app_id, n, phone=demo_phone(app_index, n),
                                 app_user_id=app_user_id, openid=f"oDemo{app_id}{n:02d}wx",
                                 now=now, persona=app_index + n, demo=True))
    return users


def list_demo_users(session: Session, app_id: str) -> list[tuple[User, str]]:
    """The app's active demo users (never real ones), with their host-app ids."""
    rows = session.execute(select(User, IdentityBinding.value).join(
        IdentityBinding, IdentityBinding.user_id == User.id).where(
        User.app_id == app_id, User.status == "active", User.is_demo.is_(True),
        IdentityBinding.kind == "app_user_id").order_by(IdentityBinding.value)).all()
    return [(user, value) for user, value in rows]
