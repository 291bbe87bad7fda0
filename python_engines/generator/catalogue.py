"""A shop's page catalogue built with Faker: categories, products, search terms, content pages.

Faker builds the (small, fixed-size) catalogue; the (large) event volume is drawn from it with numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from faker import Faker

SHOP = "https://shop.example.com"
N_CATEGORIES = 40
N_PRODUCTS = 4000
N_SEARCH_TERMS = 1500
N_CONTENT_PAGES = 60


@dataclass(frozen=True)
class Catalogue:
    home: str
    categories: np.ndarray  # category page URLs
    products: np.ndarray  # product page URLs
    product_weights: np.ndarray  # Zipf-like popularity, sums to 1
    searches: np.ndarray  # search result URLs
    content: np.ndarray  # help / deals / about pages
    fixed: dict[str, str]  # one URL per funnel step (cart, checkout, ...)


def _slug(text: str) -> str:
    return "-".join(text.lower().replace("'", "").replace(".", "").split())


def build_catalogue(seed: int) -> Catalogue:
    fake = Faker("en_US")
    fake.seed_instance(seed)
    categories = sorted({_slug(fake.unique.word()) for _ in range(N_CATEGORIES)})
    category_urls = np.array([f"{SHOP}/c/{c}" for c in categories])
    product_urls = []
    for sku in range(N_PRODUCTS):
        name = _slug(f"{fake.color_name()} {fake.word()} {fake.word()}")
        category = categories[sku % len(categories)]
        product_urls.append(f"{SHOP}/c/{category}/p/{name}-{100000 + sku}")
    rank = np.arange(1, N_PRODUCTS + 1, dtype=np.float64)
    popularity = 1.0 / rank**1.1
    searches = np.array(
        [f"{SHOP}/search?q={fake.word()}+{fake.word()}" for _ in range(N_SEARCH_TERMS)]
    )
    content = np.array(
        [f"{SHOP}/help/{_slug(fake.catch_phrase())}" for _ in range(N_CONTENT_PAGES - 2)]
        + [f"{SHOP}/deals", f"{SHOP}/about"]
    )
    fixed = {
        "remove_from_cart": f"{SHOP}/cart",
        "checkout_start": f"{SHOP}/checkout",
        "purchase": f"{SHOP}/checkout/confirmation",
        "login": f"{SHOP}/account/login",
        "logout": f"{SHOP}/account/logout",
    }
    return Catalogue(
        home=f"{SHOP}/",
        categories=category_urls,
        products=np.array(product_urls),
        product_weights=popularity / popularity.sum(),
        searches=searches,
        content=content,
        fixed=fixed,
    )
