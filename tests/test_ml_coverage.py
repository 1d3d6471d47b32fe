"""Cells of parameter planes occupied by a scan's in-region points (fit.ml.coverage).

Expected values counted by hand on points placed in known cells."""

from __future__ import annotations

import numpy as np

from fit.ml.coverage import discover, plane_cells, reference_cells


def test_cell_ids_are_unique_over_planes_and_the_upper_edge_is_inside():
    cells = plane_cells(np.array([[0.05, 0.55, 0.95], [1.0, 0.0, 1.0]]), bins=10)
    # planes (0,1), (0,2), (1,2): plane p's cells are p*100 + 10 i + j
    assert cells.tolist() == [[5, 109, 259], [90, 199, 209]]


def test_first_occupation_coverage_and_evaluations_to_a_fraction():
    cube = np.array([[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.2, 0.3], [0.6, 0.6]])
    inside = np.array([True, False, True, True, False])
    scan = discover(cube, inside, bins=2)
    assert scan.cells.tolist() == [0, 2]         # cells (0,0) and (1,0); (1,1) is outside
    assert scan.first.tolist() == [1, 3]         # the 4th point repeats cell (0,0)
    other = discover(np.array([[0.7, 0.7]]), np.array([True]), bins=2)
    reference = reference_cells(scan, other)
    assert reference.tolist() == [0, 2, 3]
    assert scan.coverage(reference, 2) == 1 / 3
    assert scan.coverage(reference) == 2 / 3
    assert scan.evaluations_to(reference, 0.5) == 3   # 2 of 3 cells, the 2nd at point 3
    assert scan.evaluations_to(reference, 1.0) is None
    assert other.evaluations_to(reference, 1 / 3) == 1


def test_no_point_in_the_region_covers_nothing():
    scan = discover(np.random.default_rng(1).random((20, 4)), np.zeros(20, bool))
    assert len(scan.cells) == 0
    assert scan.coverage(np.array([3, 7])) == 0.0
