from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.catalog import (
    BASE_LIST,
    Price,
    Product,
    ProductDraft,
    price_from_minor,
    price_minor,
)
from storage import models as m


def norm(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").split())


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


class SqlProductRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def _load(self, rows: Sequence[m.Product]) -> list[Product]:
        ids = [r.id for r in rows]
        prices: dict[int, list[Price]] = {i: [] for i in ids}
        if ids:
            for p in await self._s.scalars(select(m.ProductPrice).where(
                    m.ProductPrice.product_id.in_(ids)).order_by(m.ProductPrice.id)):
                prices[p.product_id].append(price_from_minor(p.price_list, p.currency,
                                                             p.price_minor))
        return [Product(id=r.id, sku=r.sku, name=r.name, unit=r.unit, kind=r.kind,
                        vat_code=r.vat_rate, is_active=bool(r.is_active),
                        prices=tuple(prices[r.id])) for r in rows]

    async def get(self, product_id: int) -> Product | None:
        row = await self._s.get(m.Product, product_id, populate_existing=True)
        return (await self._load([row]))[0] if row else None

    async def by_sku(self, sku: str) -> Product | None:
        row = await self._s.scalar(select(m.Product).where(m.Product.sku == sku))
        return (await self._load([row]))[0] if row else None

    async def by_name(self, name: str) -> Product | None:
        row = await self._s.scalar(select(m.Product).where(m.Product.name_norm == norm(name))
                                   .order_by(m.Product.id).limit(1))
        return (await self._load([row]))[0] if row else None

    async def search(self, query: str, limit: int, archived: bool = False
                     ) -> Sequence[Product]:
        rows = list(await self._s.scalars(
            select(m.Product)
            .where(m.Product.is_active.is_(not archived),
                   or_(m.Product.sku == query,
                       m.Product.name_norm.like(_like_prefix(norm(query)), escape="\\")))
            .order_by(m.Product.name_norm, m.Product.id).limit(limit)))
        return await self._load(rows)

    async def page(self, archived: bool, offset: int, limit: int
                   ) -> tuple[Sequence[Product], int]:
        where = m.Product.is_active.is_(not archived)
        rows = list(await self._s.scalars(select(m.Product).where(where)
                                          .order_by(m.Product.name_norm, m.Product.id)
                                          .offset(offset).limit(limit)))
        total = await self._s.scalar(select(func.count()).select_from(m.Product).where(where))
        return await self._load(rows), int(total or 0)

    async def set_fields(self, product_id: int, values: Mapping[str, Any]) -> None:
        fields = dict(values)
        if "name" in fields:
            fields["name_norm"] = norm(str(fields["name"]))
        await self._s.execute(update(m.Product).where(m.Product.id == product_id)
                              .values(**fields))

    async def price_lists(self) -> Sequence[str]:
        found = list(await self._s.scalars(select(m.ProductPrice.price_list).distinct()
                                           .order_by(m.ProductPrice.price_list)))
        return sorted(found, key=lambda code: (code != BASE_LIST, code.casefold()))

    async def company_price_list(self, company_id: int) -> str | None:
        return await self._s.scalar(select(m.Company.price_list)
                                    .where(m.Company.id == company_id))

    async def add(self, draft: ProductDraft) -> Product:
        row = m.Product(sku=draft.sku, name=draft.name, name_norm=norm(draft.name),
                        unit=draft.unit, kind=draft.kind, vat_rate=draft.vat_code,
                        is_active=True)
        self._s.add(row)
        await self._s.flush()
        await self.set_prices(row.id, draft.prices)
        product = await self.get(row.id)
        assert product is not None
        return product

    async def update(self, product_id: int, draft: ProductDraft) -> Product:
        row = await self._s.get(m.Product, product_id)
        assert row is not None
        row.name, row.name_norm = draft.name, norm(draft.name)
        row.unit, row.kind, row.vat_rate, row.is_active = (draft.unit, draft.kind,
                                                           draft.vat_code, True)
        if draft.sku:
            row.sku = draft.sku
        await self._s.flush()
        await self.set_prices(product_id, draft.prices)
        product = await self.get(product_id)
        assert product is not None
        return product

    async def set_prices(self, product_id: int, prices: Sequence[Price]) -> None:
        """Replaces the price of each (price list, currency) given; others stay."""
        for p in prices:
            await self._s.execute(delete(m.ProductPrice).where(
                m.ProductPrice.product_id == product_id,
                m.ProductPrice.price_list == p.price_list,
                m.ProductPrice.currency == p.currency))
            self._s.add(m.ProductPrice(product_id=product_id, price_list=p.price_list,
                                       currency=p.currency, price_minor=price_minor(p)))
        await self._s.flush()
