"""Which grid level a cluster query reads at each zoom (worked by hand).

A cluster cell at zoom z is a tile two levels down, 2^(14 - z) fine (z16) cells on a side; a level can
answer when its cells fit whole inside a cluster cell: coarse cells are 32 fine cells on a side (z11
tiles), middle cells 8 (z13 tiles), fine cells 1.
"""

import pytest

from registry.search import cluster_factor, grid_level


@pytest.mark.parametrize("zoom, fine_cells_per_cluster, table_infix, factor", [
    (3, 2048, "_coarse", 32),
    (9, 32, "_coarse", 32),
    (10, 16, "_mid", 8),
    (11, 8, "_mid", 8),
    (12, 4, "", 1),
    (14, 1, "", 1),
])
def test_the_coarsest_level_whose_cells_fit_in_a_cluster_cell(zoom, fine_cells_per_cluster, table_infix, factor):
    assert cluster_factor(zoom) == fine_cells_per_cluster
    assert grid_level(fine_cells_per_cluster) == (table_infix, factor)
