"""Random small clusters with a households threshold that forces splits: the fire-break heuristic is
measured against the exact optimum on them, in the tests and in ``bench/clusters.py``."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from fireriskmap.analysis.clusters import link_pairs
from fireriskmap.analysis.firebreaks import link_costs

CRS = "EPSG:4545"


def random_cluster(rng: np.random.Generator, n: int):
    """A connected random village of ``n`` houses with mixed ratings, and a threshold forcing splits."""
    while True:
        cols = int(rng.integers(2, 5))
        k = np.arange(n)
        x = (k % cols) * rng.uniform(12, 18) + rng.uniform(-3, 3, n)
        y = (k // cols) * rng.uniform(12, 18) + rng.uniform(-3, 3, n)
        w, d = rng.uniform(6, 11, n), rng.uniform(6, 11, n)
        geoms = shapely.box(x - w / 2, y - d / 2, x + w / 2, y + d / 2)
        overlap = shapely.area(shapely.intersection(geoms[:, None], geoms[None, :]))
        np.fill_diagonal(overlap, 0)
        if overlap.max() > 0:
            continue
        b = gpd.GeoDataFrame({"fire_rating": rng.choice(["1", "2", "3", "4"], n)}, geometry=geoms, crs=CRS)
        links = link_pairs(b)
        parts, _ = connected_components(coo_matrix((np.ones(len(links.i)), (links.i, links.j)), shape=(n, n)),
                                        directed=False)
        if parts != 1:
            continue
        cost = link_costs(geoms[links.i], geoms[links.j], links.gap, links.required)["cost"].to_numpy()
        h = rng.integers(1, 5, n).astype(float)
        limit = float(np.ceil(h.sum() / rng.uniform(1.6, 3.2)))
        xy = shapely.get_coordinates(shapely.centroid(geoms))
        return h, shapely.area(geoms), xy, links.i, links.j, cost, limit
