"""Stock categories: which sites ask for one, the question the metadata model answers, and the stored ids.

Every site of the stock-target table with a fixed category list is asked at once (Adobe Stock: one of
21 numbered categories; Shutterstock: one or two names): the answer costs no extra call, and an export
to any of them then has its category. The model chooses among the names (words it can judge an image
by); what is stored per site is the table's id (Adobe "8", Shutterstock the name itself).
"""

from __future__ import annotations

from gif_app.domain import StockMetadata
from gif_app.errors import ValidationError
from gif_app.export.targets import StockTarget, get_target, load_targets
from gif_app.providers.base import CategoryField


def category_targets() -> tuple[StockTarget, ...]:
    """Return the stock sites whose upload takes categories from a fixed list, in table order."""
    return tuple(t for t in load_targets().values() if t.categories and t.max_categories > 0)


def category_fields() -> tuple[CategoryField, ...]:
    """Return the category question of each such site (names to choose from, how many)."""
    return tuple(CategoryField(site=t.id, label=t.label, options=tuple(c.name for c in t.categories),
                               max_count=t.max_categories) for t in category_targets())


def categories_rule(fields: tuple[CategoryField, ...]) -> str:
    """Return the prompt's rule for the `categories` answer, each site's list spelled out."""
    lines = ["- categories: for each stock site, the category (or categories) that fit the image best, "
             "exactly as written in its list:"]
    for field in fields:
        amount = "one" if field.max_count <= 1 else f"one to {field.max_count}, most fitting first"
        lines.append(f"  {field.label} ({field.site}, {amount}): {'; '.join(field.options)}.")
    return "\n".join(lines)


def with_category_ids(meta: StockMetadata) -> StockMetadata:
    """Return metadata whose chosen category names are replaced by their sites' ids (unknown ones dropped)."""
    result = meta
    for site, values in meta.categories:
        try:
            target = get_target(site)
        except ValidationError:
            result = result.with_categories(site, ())
            continue
        ids = tuple(dict.fromkeys(c.id for c in map(target.category, values) if c is not None))
        result = result.with_categories(site, ids[: target.max_categories])
    return result


def validated_categories(site: str, values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Return a user's category choice for one site as ids, or raise ValidationError naming what is wrong."""
    target = get_target(site)
    if not target.categories:
        raise ValidationError(f"{target.label} has no category list.")
    chosen: list[str] = []
    for value in values:
        if not str(value).strip():
            continue
        category = target.category(str(value))
        if category is None:
            raise ValidationError(f'"{value}" is not on the {target.label} category list.')
        if category.id not in chosen:
            chosen.append(category.id)
    if len(chosen) > target.max_categories:
        raise ValidationError(f"{target.label} takes at most {target.max_categories} "
                              f"categor{'y' if target.max_categories == 1 else 'ies'}.")
    return tuple(chosen)
