"""``bo:preset=reference``: CASMOPOLITAN's failtol and a restart that clears the region's data."""

import numpy as np
import pytest
from seqzoo import Problem, default_alphabet
from seqzoo_libopt.bo import BatchBO

X0 = np.zeros((1, 8), np.int64)


def problem():
    return Problem(default_alphabet(4), 8, X0, seed=3)


def test_reference_takes_casmopolitans_rules():
    bo = BatchBO(problem(), preset="reference")
    assert (bo.failtol, bo.restart_clears, bo.init_design) == (40, True, "uniform")
    default = BatchBO(problem())
    assert (default.failtol, default.restart_clears, default.init_design) == \
        (0, False, "trust-region")


def test_an_unknown_preset_is_a_one_line_error():
    with pytest.raises(ValueError, match="unknown bo preset 'casmo'") as err:
        BatchBO(problem(), preset="casmo")
    assert "\n" not in str(err.value)


def test_the_region_shrinks_only_after_failtol_batches_without_improvement():
    bo = BatchBO(problem(), failure_tolerance=40, length_init=6, length_max=8)
    bo.best_before = 1.0
    for _ in range(39):
        bo._adjust(np.zeros(10))
    assert bo.radius == 6 and bo.fail == 39
    bo._adjust(np.zeros(10))
    assert bo.radius == 4 and bo.fail == 0  # int(6 / 1.5)


def play_until_restart(**options):
    """Start at a value no later row beats, label a design, then fail once: with a region of
    radius 1 and failtol 1 that is a restart. Returns the proposer after the restart."""
    bo = BatchBO(problem(), n_init=4, length_init=1, failure_tolerance=1, candidates=32,
                 fit_steps=2, **options)
    bo.tell(X0, np.array([10.0]))
    for _ in range(2):  # the design's 3 rows, then one GP batch that fails
        x = bo.ask(4)
        bo.tell(x, np.zeros(len(x)))
    # (by default the design batch moves the region too, so that restarts once already)
    assert bo.restarts == (1 if options.get("restart_clears") else 2)
    return bo


def test_a_clearing_restart_empties_the_region_and_starts_a_new_design():
    bo = play_until_restart(restart_clears=True, init_design="uniform")
    assert len(bo.region) == 0 and bo._labelled() == 0 and (bo.succ, bo.fail) == (0, 0)
    assert len(bo.seen) > 4  # the run's history is kept; only the region forgets
    x = bo.ask(6)
    assert len(x) == 4  # a new initial design of n_init rows, not a GP batch
    bo.tell(x, np.arange(1.0, 5.0))
    # the region now centres on its own best row, not on the start (10, before the restart)
    assert np.array_equal(bo._center(), x[3])
    train_x, train_y = bo._training_set()
    assert len(train_x) == 4 and train_y.max() == pytest.approx(4.0)


def test_a_restart_keeps_the_data_by_default():
    bo = play_until_restart()
    assert bo._labelled() == len(bo.seen) > 4
    x = bo.ask(4)  # straight back to the GP, around the start at radius length_init = 1
    assert len(x) == 4 and ((x != X0).sum(axis=1) == 1).all()


def test_reference_with_clearing_restarts_conforms():
    # radius 2 and failtol 1 restart the region several times within the kit's 60 evaluations,
    # so its resume check replays clearing restarts too
    from seqzoo.testing import check_proposer

    check_proposer("bo", options={"preset": "reference", "n_init": 8, "candidates": 64,
                                  "fit_steps": 5, "failure_tolerance": 1, "length_init": 2})
