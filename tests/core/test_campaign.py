"""Campaigns: a lab as the oracle. The campaign is the run, the log is the state, and every
bad input gets one line and exit 2 with nothing written."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import seqzoo
from seqzoo.campaign import Campaign, EditedError
from seqzoo.campaign.simulate import against_run
from seqzoo.cli import main
from seqzoo.errors import SeqzooError
from seqzoo.runlog import RunDir

ORACLE = "hamming:num_states=4,dim=8"
PROPOSER = "hill-climb:batch_size=5"


def new(tmp_path, name="c", **kw):
    options = dict(like=ORACLE)
    options.update(kw)
    return Campaign.init(tmp_path / name, PROPOSER, 5, 3, **options)


def measured(tmp_path, rounds=2, name="c"):
    """A campaign with round 0 and ``rounds`` rounds measured by the oracle."""
    c = new(tmp_path, name)
    c.simulate(ORACLE, rounds)
    return c


def log_lines(c):
    return [json.loads(line) for line in (c.folder / "evaluations.jsonl").read_text()
            .splitlines()]


def zoo(*args, capsys):
    code = main(["campaign", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def write_results(path, rows, header="sequence,value"):
    path.write_text(header + "\n" + "".join(f"{s},{v}\n" for s, v in rows))
    return path


def pending_sequences(c):
    import csv

    path = c.propose()
    return [r["sequence"] for r in csv.DictReader(path.read_text().splitlines())]


# -- the campaign is the run ------------------------------------------------------------------
def test_a_simulated_campaign_is_zoo_run_sequence_for_sequence(tmp_path):
    campaign, run = against_run(tmp_path, ORACLE, PROPOSER, rounds=3, batch_size=5, seed=3)
    assert campaign == run and len(run) == 1 + 3 * 5


def test_a_campaign_from_measured_data_is_zoo_run_with_that_warm_start(tmp_path):
    oracle = seqzoo.engine.build_oracle(ORACLE)
    rows = ["ACDEACDE", "CCCCDDDD", "EEEEAAAA"]
    values = oracle(seqzoo.encode(rows, oracle.alphabet))
    data = tmp_path / "data.csv"
    write_results(data, zip(rows, values.tolist()))
    campaign, run = against_run(tmp_path, ORACLE, PROPOSER, rounds=2, batch_size=5, seed=1,
                                data=data)
    assert campaign == run and campaign[:4] == ["EEEEEEEE", *rows]  # the start leads


def test_the_log_is_a_run_log_with_values_the_lab_gave(tmp_path):
    c = measured(tmp_path, rounds=2)
    steps = RunDir(c.folder).steps(c.settings.alphabet)
    assert [s.step for s in steps] == [0, 1, 2] and [len(s.x) for s in steps] == [1, 5, 5]
    oracle = seqzoo.engine.build_oracle(ORACLE)
    for s in steps:
        np.testing.assert_allclose(s.y, oracle(s.x), rtol=0, atol=1e-12)


# -- propose -----------------------------------------------------------------------------------
def test_propose_twice_gives_the_same_file_not_a_new_batch(tmp_path, capsys):
    c = measured(tmp_path, rounds=1)
    code, out, _ = zoo("propose", c.folder, capsys=capsys)
    path = c.folder / "round-02" / "proposals.csv"
    assert code == 0 and out.strip() == str(path)
    first, stamp = path.read_bytes(), path.stat().st_mtime_ns
    code, again, _ = zoo("propose", c.folder, capsys=capsys)
    assert code == 0 and again == out
    assert path.read_bytes() == first and path.stat().st_mtime_ns == stamp
    assert not (c.folder / "round-03").exists()


def test_a_copy_of_the_folder_proposes_the_same_round_elsewhere(tmp_path):
    c = measured(tmp_path, rounds=2)
    here = c.propose().read_bytes()
    copy = tmp_path / "elsewhere" / "c"
    shutil.copytree(c.folder, copy)
    shutil.rmtree(copy / "round-03")  # proposed afresh from the log alone
    shutil.rmtree(copy / "proposer-work")
    assert Campaign(copy).propose().read_bytes() == here


def test_the_first_propose_lists_the_starts_for_the_lab(tmp_path):
    c = new(tmp_path)
    assert pending_sequences(c) == ["EEEEEEEE"]
    assert c.status()["pending_round"] == 0 and c.status()["start_rows_measured"] is False


def test_a_planned_campaign_stops_after_its_rounds(tmp_path):
    c = new(tmp_path, rounds=1)
    c.simulate(ORACLE, 1)
    with pytest.raises(SeqzooError, match="all 1 planned rounds"):
        c.propose()


def test_a_proposer_scores_its_proposals_where_it_has_a_score(tmp_path, register_plugin):
    class Scored(seqzoo.builtin.HillClimb):
        def proposal_scores(self, x):
            return x.sum(axis=1) / 10

    class Plugin:
        @seqzoo.hookimpl
        def register_proposers(self, register):
            register("scored", Scored)

    register_plugin(Plugin(), name="scored")
    c = Campaign.init(tmp_path / "c", "scored", 4, 0, like=ORACLE)
    c.simulate(ORACLE, 1)
    text = c.propose().read_text().splitlines()
    assert text[0] == "sequence,score" and len(text) == 5
    seq, score = text[1].split(",")
    x = seqzoo.encode(seq, c.settings.alphabet)
    assert float(score) == pytest.approx(x.sum() / 10, abs=1e-12)


# -- measure -----------------------------------------------------------------------------------
def test_a_proposed_sequence_without_a_value_is_logged_as_failed(tmp_path, capsys):
    c = measured(tmp_path, rounds=1)
    seqs = pending_sequences(c)
    results = write_results(tmp_path / "r.csv", [(seqs[0], 0.5), (seqs[1], "")])
    code, out, err = zoo("measure", c.folder, results, capsys=capsys)
    assert code == 0 and "1 measured, 4 failed" in out
    assert "told to the proposer as infeasible (-inf)" in err
    rows = [r for r in log_lines(c) if r["round"] == 2]
    assert [r["sequence"] for r in rows] == seqs  # every proposal, in proposal order
    assert rows[0]["value"] == pytest.approx(0.5) and "failed" not in rows[0]
    assert all(r["value"] is None and r["failed"] is True for r in rows[1:])
    steps = RunDir(c.folder).steps(c.settings.alphabet)
    assert np.isneginf(steps[2].y[1:]).all()  # what the proposer is told on replay
    assert c.status()["failed"] == 4
    assert (c.folder / "round-02" / "results.csv").read_text() == results.read_text()
    c.propose()  # the next round replays through the failed rows


def test_infeasible_and_repeated_rows(tmp_path):
    c = measured(tmp_path, rounds=1)
    seqs = pending_sequences(c)
    rows = [(s, 0.25) for s in seqs] + [(seqs[0], 0.25), (seqs[1], "-inf")]
    if len(set(seqs)) == len(seqs):
        rows[1] = (seqs[1], "infeasible")
        rows = rows[:-1]
    got = c.measure(rows)
    assert got.failed == 0 and any("counted once" in n for n in got.notes)
    assert [r["value"] for r in log_lines(c) if r["round"] == 2][1] is None


def test_measure_from_python_rows_and_jsonl(tmp_path):
    c = measured(tmp_path, rounds=1)
    seqs = pending_sequences(c)
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps({"sequence": s, "value": 0.1 * i, "round": 2}) + "\n"
                            for i, s in enumerate(seqs)))
    got = c.measure(path)
    assert (got.round, got.measured, got.failed) == (2, 5, 0)
    assert c.measure  # the next round takes dict rows as well
    seqs = pending_sequences(c)
    got = c.measure([{"sequence": s, "value": 1.0} for s in seqs])
    assert got.best_value == pytest.approx(1.0)


# -- bad input: one line, exit 2, nothing written -----------------------------------------------
def _snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "proposer-work" not in p.parts}


BAD_RESULTS = {
    "wrong length": (lambda s: [(s[0][:-1], 0.5)], "has length 7, expected 8"),
    "outside the alphabet": (lambda s: [("Z" + s[0][1:], 0.5)], "'Z', outside the alphabet"),
    "not proposed": (lambda s: [("AAAAAAAA" if "AAAAAAAA" not in s else "CCCCCCCC", 0.5)],
                     "was not proposed in round 2"),
    "different values": (lambda s: [(s[0], 0.5), (s[0], 0.7)],
                         "has value 0.7 here and 0.5 at"),
    "NaN": (lambda s: [(s[0], "nan")], "is NaN or +inf"),
    "+inf": (lambda s: [(s[0], "inf")], "is NaN or +inf"),
    "text": (lambda s: [(s[0], "high")], "value 'high' is not a number"),
}


@pytest.mark.parametrize("case", BAD_RESULTS, ids=str)
def test_bad_results_get_one_line_and_nothing_is_logged(tmp_path, capsys, case):
    c = measured(tmp_path, rounds=1)
    seqs = pending_sequences(c)
    rows, message = BAD_RESULTS[case]
    if case == "different values" and seqs.count(seqs[0]) > 1:
        pytest.skip("the first sequence was proposed twice: two values are its copies'")
    results = write_results(tmp_path / "r.csv", rows(seqs))
    before = _snapshot(c.folder)
    code, out, err = zoo("measure", c.folder, results, capsys=capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err, err
    assert err.startswith("zoo campaign: error: ") and "Traceback" not in err
    assert _snapshot(c.folder) == before


@pytest.mark.parametrize("header, message", [
    ("sequence,score", "needs 'sequence' and 'value' columns"),
    ("sequence,value,round", "round '7', but the round waiting for values is 2"),
])
def test_a_results_file_that_does_not_fit_gets_one_line(tmp_path, capsys, header, message):
    c = measured(tmp_path, rounds=1)
    seqs = pending_sequences(c)
    results = tmp_path / "r.csv"
    results.write_text(header + "\n" + f"{seqs[0]},0.5" + (",7" if "round" in header else "")
                       + "\n")
    code, _, err = zoo("measure", c.folder, results, capsys=capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_a_measure_for_a_round_never_proposed_is_refused(tmp_path, capsys):
    c = measured(tmp_path, rounds=1)
    results = write_results(tmp_path / "r.csv", [("AAAAAAAA", 0.5)])
    code, _, err = zoo("measure", c.folder, results, capsys=capsys)
    assert code == 2 and "round 2 was never proposed" in err
    c.propose()
    code, _, err = zoo("measure", c.folder, results, "--round", 5, capsys=capsys)
    assert code == 2 and "round 5 was never proposed (the next round is 2)" in err
    code, _, err = zoo("measure", c.folder, results, "--round", 1, capsys=capsys)
    assert code == 2 and "round 1 is already measured" in err


EDITS = {
    "campaign.json": lambda f: _replace(f / "campaign.json", '"batch_size": 5', '"batch_size": 6'),
    "a logged value": lambda f: _replace(f / "evaluations.jsonl", '"value": 0.', '"value": 1.'),
    "a logged line removed": lambda f: (f / "evaluations.jsonl").write_text(
        "".join((f / "evaluations.jsonl").read_text().splitlines(True)[:-1])),
    "proposals.csv": lambda f: _replace(f / "round-02" / "proposals.csv", "\n", "\nA", 1),
    "round.json": lambda f: _replace(f / "round-02" / "round.json", '"round": 2', '"round": 3'),
}


def _replace(path, old, new, count=1):
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, count))


@pytest.mark.parametrize("edit", EDITS, ids=str)
def test_a_folder_edited_by_hand_is_refused(tmp_path, capsys, edit):
    c = measured(tmp_path, rounds=1)
    c.propose()
    EDITS[edit](c.folder)
    for step in (["propose", c.folder], ["status", c.folder]):
        code, out, err = zoo(*step, capsys=capsys)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
        assert ("edited" in err or "no longer matches" in err), err
    if edit != "a logged line removed":
        with pytest.raises(EditedError):
            Campaign(c.folder).propose()


def test_a_version_change_is_refused_unless_allow_mixed(tmp_path, capsys, monkeypatch):
    c = measured(tmp_path, rounds=1)
    real = seqzoo.provenance.versions
    monkeypatch.setattr(seqzoo.provenance, "versions",
                        lambda: {**real(), "seqzoo": "9.9.9"})
    code, _, err = zoo("propose", c.folder, capsys=capsys)
    assert code == 2 and "seqzoo is 9.9.9 here but was" in err and "--allow-mixed" in err
    assert not (c.folder / "round-02").exists()
    code, out, _ = zoo("propose", c.folder, "--allow-mixed", capsys=capsys)
    assert code == 0
    record = json.loads((c.folder / "round-02" / "round.json").read_text())
    assert record["mixed"]["seqzoo"][1] == "9.9.9"


def test_a_proposer_that_does_not_replay_is_refused(tmp_path, register_plugin, capsys):
    class Unseeded(seqzoo.builtin.HillClimb):
        """Draws from fresh entropy: its rounds cannot be replayed."""

        def ask(self, n):
            self.rng = np.random.default_rng()
            return super().ask(n)

    class Plugin:
        @seqzoo.hookimpl
        def register_proposers(self, register):
            register("unseeded", Unseeded)

    register_plugin(Plugin(), name="unseeded")
    c = Campaign.init(tmp_path / "c", "unseeded", 6, 0, like=ORACLE)
    c.simulate(ORACLE, 1)
    code, _, err = zoo("propose", c.folder, capsys=capsys)
    assert code == 2 and "replaying round 1 did not give the proposals" in err
    assert zoo("propose", c.folder, "--allow-mixed", capsys=capsys)[0] == 0


# -- init --------------------------------------------------------------------------------------
def test_init_from_an_alphabet_and_data_logs_a_measured_round_zero(tmp_path, capsys):
    data = write_results(tmp_path / "d.csv", [("ACGTACGT", 0.3), ("AAAACCCC", "-inf")])
    code, out, _ = zoo("init", tmp_path / "c", "--proposer", "random", "--batch-size", 4,
                       "--alphabet", "ACGT", "--length", 8, "--data", data, capsys=capsys)
    assert code == 0 and "zoo campaign propose" in out
    c = Campaign(tmp_path / "c")
    assert [(r["sequence"], r["value"], r["source"]) for r in log_lines(c)] == [
        ("ACGTACGT", 0.3, "warm-start"), ("AAAACCCC", None, "warm-start")]
    assert c.settings.starts == ["ACGTACGT", "AAAACCCC"]
    path = c.propose()
    assert path.parent.name == "round-01"


def test_data_rows_without_a_value_are_measured_in_round_zero(tmp_path):
    data = write_results(tmp_path / "d.csv", [("ACGTACGT", 0.3), ("AAAACCCC", ""),
                                              ("CCCCCCCC", "-inf")])
    c = Campaign.init(tmp_path / "c", "random", 4, 0, alphabet="ACGT", length=8,
                      starts=["GGGGGGGG"], data=data)
    assert pending_sequences(c) == ["GGGGGGGG", "AAAACCCC"]
    got = c.measure([("GGGGGGGG", 0.1), ("AAAACCCC", 0.9)])
    assert got.round == 0 and got.best_value == pytest.approx(0.9)
    assert [(r["sequence"], r["value"]) for r in log_lines(c)] == [
        ("GGGGGGGG", 0.1), ("ACGTACGT", 0.3), ("AAAACCCC", 0.9), ("CCCCCCCC", None)]


def test_a_spreadsheet_export_with_a_byte_order_mark_reads(tmp_path):
    c = measured(tmp_path, rounds=1)
    seqs = pending_sequences(c)
    path = tmp_path / "r.csv"
    path.write_bytes("\ufeffsequence,value\r\n".encode() + "".join(
        f"{s},0.5\r\n" for s in seqs).encode())
    assert c.measure(path).failed == 0


@pytest.mark.parametrize("args, message", [
    (["--proposer", "random", "--batch-size", "4"], "give the problem as --alphabet"),
    (["--proposer", "random", "--batch-size", "4", "--alphabet", "ACGT", "--length", "4"],
     "a campaign needs a start"),
    (["--proposer", "random", "--batch-size", "4", "--like", ORACLE, "--length", "4"],
     "not both"),
    (["--proposer", "random", "--batch-size", "4", "--alphabet", "ACGT", "--length", "4",
      "--start", "ACGU"], "'U', outside the alphabet"),
    (["--proposer", "random", "--batch-size", "0", "--like", ORACLE], "--batch-size must be"),
    (["--proposer", "nosuch", "--batch-size", "4", "--like", ORACLE], "nosuch"),
])
def test_bad_init_gets_one_line_and_leaves_no_campaign(tmp_path, capsys, args, message):
    code, _, err = zoo("init", tmp_path / "c", *args, capsys=capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "c" / "campaign.json").exists()


def test_init_never_writes_over_other_files_or_a_campaign(tmp_path, capsys):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "notes.txt").write_text("mine")
    code, _, err = zoo("init", tmp_path / "c", "--proposer", "random", "--batch-size", 4,
                       "--like", ORACLE, capsys=capsys)
    assert code == 2 and "not empty" in err and (tmp_path / "c" / "notes.txt").exists()
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "evaluations.jsonl").write_text("someone's run\n")
    with pytest.raises(SeqzooError, match="not empty"):
        new(tmp_path, "e")
    assert (tmp_path / "e" / "evaluations.jsonl").read_text() == "someone's run\n"
    new(tmp_path, "d")
    with pytest.raises(SeqzooError, match="already holds a campaign"):
        new(tmp_path, "d")


def test_init_killed_half_way_starts_again_over_its_own_files(tmp_path, monkeypatch):
    import seqzoo.campaign.campaign as module

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "write_sealed", killed)
    with pytest.raises(KeyboardInterrupt):
        new(tmp_path)
    half = tmp_path / "c"
    assert (half / "round-00").is_dir() and not (half / "campaign.json").exists()
    monkeypatch.undo()
    c = new(tmp_path)
    assert pending_sequences(c) == ["EEEEEEEE"] and not (c.folder / ".campaign-init").exists()


def test_status_shows_rounds_best_pending_and_the_proposer(tmp_path, capsys):
    c = measured(tmp_path, rounds=2)
    c.propose()
    code, out, _ = zoo("status", c.folder, capsys=capsys)
    assert code == 0
    assert "hill-climb:batch_size=5 (batch_size=5); batch size 5, seed 3" in out
    assert "2 measured of open-ended" in out and "round 3: 5 sequence(s)" in out
    assert "defaults     elite=10, mutations=1" in out  # what the spec left as it was
    best = max(r["value"] for r in log_lines(c))
    st = c.status()
    assert st["best_value"] == pytest.approx(best) and st["evaluations"] == 11
    code, out, _ = zoo("status", c.folder, "--json", capsys=capsys)
    assert json.loads(out)["pending_round"] == 3


def test_simulate_refuses_an_oracle_of_another_problem(tmp_path, capsys):
    c = new(tmp_path)
    code, _, err = zoo("simulate", c.folder, "--oracle", "hamming:num_states=4,dim=9",
                       "--rounds", 1, capsys=capsys)
    assert code == 2 and "length 9" in err


def test_the_lab_oracle_refuses_every_call_with_a_reason(tmp_path):
    from seqzoo.campaign.propose import LabOracle

    c = new(tmp_path)
    with pytest.raises(SeqzooError, match="values come only from the lab"):
        LabOracle(c.settings)(np.zeros((1, 8), dtype=np.int64))


def test_a_whole_round_cut_from_the_log_is_refused(tmp_path, capsys):
    c = measured(tmp_path, rounds=2)
    c.propose()
    lines = (c.folder / "evaluations.jsonl").read_text().splitlines(True)
    (c.folder / "evaluations.jsonl").write_text("".join(lines[:-5]))
    code, _, err = zoo("propose", c.folder, capsys=capsys)
    assert code == 2 and "rounds were removed" in err


def test_a_sequence_proposed_twice_takes_two_values_in_file_order():
    from seqzoo.campaign.results import from_rows, match

    seqs = ["AAAA", "CCCC", "AAAA"]
    got = match(from_rows([("AAAA", 1.0), ("AAAA", 2.0)]), seqs, None, 3, "AC", 4)
    assert got.values[0] == pytest.approx(1.0) and got.values[2] == pytest.approx(2.0)
    assert got.failed == [False, True, False] and np.isneginf(got.values[1])
    again = match(from_rows([("AAAA", 1.0)] * 3), seqs, None, 3, "AC", 4)
    assert again.values[2] == pytest.approx(1.0) and "1 repeated row" in again.notes[0]
    with pytest.raises(SeqzooError, match="proposed 2 times"):
        match(from_rows([("AAAA", 1.0), ("AAAA", 2.0), ("AAAA", 3.0)]), seqs, None, 3,
              "AC", 4)
