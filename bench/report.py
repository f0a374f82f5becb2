#!/usr/bin/env python3
"""Report of bench/run.sh: fltcheck against Spin on the FilterStack scenario.

    python3 bench/report.py [OUT]        (OUT defaults to bench/out)

Reads OUT/runs.tsv (one line per run, written by run.sh), OUT/meta.tsv and the raw outputs in
OUT/raw/ (fltcheck's JSON, pan's output), prints the Markdown report to stdout, writes
OUT/results.tsv (every measurement, parsed) and OUT/table.md (the report).

Exit: 0 every verdict agrees with Spin's; 1 a VERDICT MISMATCH, or a verdict that is not the
variant's; 2 a run failed (ERROR) and nothing disagrees.
"""
import csv
import json
import os
import re
import sys

EXPECTED = {  # variant -> the verdict class both tools must find
    "correct": "holds",
    "doubleCompletion": "assertion",
    "teardownNeverCompletes": "invalid end state",
}
# fltcheck property id -> the Spin error class it corresponds to
FLTCHECK_CLASS = {
    "NoDoubleCompletion": "assertion",
    # filterstack.pml's P4 (nothing completed after InstanceTeardownComplete) is an assertion too
    "NoResumeAfterTeardownComplete": "assertion",
    "TeardownCompletes": "invalid end state",
}
TARGETS = {
    "time": 1 / 10,      # time to verdict, correct, N=5: <= 1/10 of Spin DFS
    "states": 1 / 20,    # states stored, correct, N=4: <= 1/20 of Spin DFS
    "rate": 1e6,         # >= 1M states per second per core
    "bytes": 40.0,       # <= 40 bytes per stored state (exact mode)
    "growth": 4.0,       # <= x4 states per extra operation
}
TIME_N, STATES_N = 5, 4
DEFINITE = ("holds", "violated")


def fnum(x):
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


# ------------------------------------------------------------------------------------- parsing
def parse_fltcheck(run, out):
    """verdict, classes, states, search seconds, bytes of the visited set, threads (if the JSON says)."""
    r = {}
    path = os.path.join(out, run["raw"]) if run["raw"] else ""
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        r["parse_error"] = f"no fltcheck JSON ({e.__class__.__name__})"
        return r
    stats = doc.get("statistics") or {}
    r["states"] = stats.get("states")
    r["transitions"] = stats.get("transitions")
    r["depth"] = stats.get("depth")
    r["search_s"] = fnum(stats.get("seconds"))
    # the visited set and its parent links in bytes (statistics.storeBytes), preferred to the
    # process RSS; older JSON has no such field (nor random search's: 0)
    store = stats.get("storeBytes")
    if isinstance(store, (int, float)) and not isinstance(store, bool) and store > 0:
        r["set_bytes"] = store
        r["set_bytes_key"] = "storeBytes"
    # the threads the search ran on (statistics.search.jobs), else the mode's --jobs
    jobs = (stats.get("search") or {}).get("jobs")
    if isinstance(jobs, int) and not isinstance(jobs, bool) and jobs > 0:
        r["jobs"] = jobs
    verdict = doc.get("verdict")
    ids = []
    steps = None
    for c in doc.get("counterexamples") or []:
        pid = (c.get("property") or {}).get("id")
        if pid and pid not in ids:
            ids.append(pid)
        if isinstance(c.get("steps"), int):
            steps = c["steps"] if steps is None else min(steps, c["steps"])
    r["cex_steps"] = steps
    if verdict == "holds":
        r["verdict"], r["classes"] = "holds", {"holds"}
    elif verdict == "violated":
        r["verdict"] = "violated (" + ", ".join(ids) + ")"
        r["classes"] = {FLTCHECK_CLASS[i] for i in ids if i in FLTCHECK_CLASS} or {"other"}
    elif verdict == "inconclusive":
        hit = ((doc.get("bounds") or {}).get("hit") or {}).get("description", "")
        r["verdict"], r["classes"] = ("inconclusive " + hit).strip(), set()
    else:
        r["verdict"], r["classes"] = f"model error: {doc.get('error')}", set()
    return r


def parse_pan(run, out):
    r = {}
    path = os.path.join(out, run["raw"]) if run["raw"] else ""
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        r["parse_error"] = "no pan output"
        return r

    def grab(pattern, conv=float):
        m = re.search(pattern, text, re.M)
        return conv(m.group(1)) if m else None

    r["states"] = grab(r"^\s*(\d+) states, stored", int)
    r["transitions"] = grab(r"^\s*(\d+) transitions \(= stored\+matched\)", int)
    r["depth"] = grab(r"depth reached (\d+)", int)
    r["errors"] = grab(r"errors: (\d+)", int)
    r["search_s"] = grab(r"^pan: elapsed time ([0-9.e+-]+) seconds")
    r["pan_mb"] = grab(r"^\s*([0-9.]+)\s+total actual memory usage")
    err = re.search(r"^pan:1: (.*)$", text, re.M)
    errline = err.group(1) if err else ""
    r["cex_steps"] = grab(r"^pan:1: .*\(at depth (\d+)\)", int)
    if "assertion violated" in errline:
        what = re.sub(r"\s*\(at depth \d+\)\s*$", "", errline.split("assertion violated", 1)[1]).strip()
        r["verdict"], r["classes"] = f"violated (assertion {what})", {"assertion"}
    elif "invalid end state" in errline:
        r["verdict"], r["classes"] = "violated (invalid end state)", {"invalid end state"}
    elif errline:
        r["verdict"], r["classes"] = f"violated ({errline})", {"other"}
    elif r["errors"] == 0:  # pan exits 0 on errors too: the errors: line decides
        r["verdict"], r["classes"] = "holds", {"holds"}
    else:
        r["verdict"], r["classes"] = f"? (errors: {r['errors']})", set()
    return r


def jobs_of(options):
    m = re.search(r"(?:--jobs|-j)[ =]?(\d+)", options or "")
    return int(m.group(1)) if m else 1


# ------------------------------------------------------------------------------------ formatting
def fmt_int(x):
    return "—" if x is None else f"{int(x):,}"


def fmt_s(x):
    if x is None:
        return "—"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def fmt_g(x, digits=3):
    if x is None:
        return "—"
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def fmt_rate(x):
    if x is None:
        return "—"
    if x >= 1e6:
        return f"{x / 1e6:.2f}M"
    if x >= 1e3:
        return f"{x / 1e3:.0f}k"
    return f"{x:.0f}"


def fmt_ratio(x):
    return "—" if x is None else f"{x:.3g}×"


def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


# ---------------------------------------------------------------------------------------- main
def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")
    runs = read_tsv(os.path.join(out, "runs.tsv"))
    meta = {}
    meta_modes = {"fltcheck": {}, "spin": []}
    meta_path = os.path.join(out, "meta.tsv")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("\t")
                if k == "fltcheck_mode":
                    name, _, opts = v.partition("|")
                    meta_modes["fltcheck"][name] = opts
                elif k == "spin_mode":
                    meta_modes["spin"].append(v.split("|", 1)[0])
                else:
                    meta[k] = v
    spin_ref_mode = meta_modes["spin"][0] if meta_modes["spin"] else "dfs"

    rows = []
    for run in runs:
        r = dict(run)
        r["N"] = int(run["N"])
        r["label"] = f"{run['tool']} {run['mode']}"
        r["wall_s"] = fnum(run["wall_s"])
        r["setup_s"] = fnum(run["setup_s"])
        r["rss_kb"] = fnum(run["rss_kb"])
        r.update({"verdict": run["status"], "classes": set(), "states": None, "search_s": None})
        if run["status"] in ("ok",):
            parsed = parse_fltcheck(run, out) if run["tool"] == "fltcheck" else parse_pan(run, out)
            r.update(parsed)
            if "parse_error" in parsed:
                r["status"], r["verdict"] = "ERROR", parsed["parse_error"]
        elif run["status"] == "TIMEOUT":
            m = re.search(r"TLIM=(\S+)", meta.get("limits", ""))
            r["verdict"] = f"TIMEOUT (> {m.group(1) if m else 'TLIM'})"
        elif run["status"] == "MEMLIM":
            m = re.search(r"MEMLIM=(\S+)", meta.get("limits", ""))
            after = f", after {r['wall_s']:.0f} s" if r["wall_s"] is not None else ""
            r["verdict"] = f"MEMLIM (> {m.group(1) if m else 'the memory limit'}{after})"
        elif run["status"] == "SKIPPED":
            r["verdict"] = f"skipped ({run['note']})"
        elif run["status"] == "ERROR":
            r["verdict"] = f"ERROR {run['note']}".strip()[:120]
        # time to verdict: the whole wall clock (Spin: spin -a + gcc + pan)
        if r["status"] == "ok":
            if run["tool"] == "spin":
                r["ttv"] = (r["setup_s"] or 0) + (r["wall_s"] or 0) if r["wall_s"] is not None else None
                if r.get("states") is not None and r.get("search_s"):
                    r["rate"] = r["states"] / r["search_s"]
                if r.get("pan_mb") is not None and r.get("states"):
                    r["bps"], r["bps_basis"] = r["pan_mb"] * 1048576 / r["states"], "pan"
            else:
                r["ttv"] = r["wall_s"]
                if r["wall_s"] is not None and r.get("search_s") is not None:
                    r["setup_s"] = max(0.0, r["wall_s"] - r["search_s"])
                if r.get("states") is not None and r.get("search_s"):
                    r["rate"] = r["states"] / r["search_s"]
                r["jobs"] = r.get("jobs") or jobs_of(meta_modes["fltcheck"].get(run["mode"], ""))
                if r.get("states"):
                    if r.get("set_bytes") is not None:
                        r["bps"], r["bps_basis"] = r["set_bytes"] / r["states"], r["set_bytes_key"]
                    elif r["rss_kb"] is not None:
                        r["bps"], r["bps_basis"] = r["rss_kb"] * 1024 / r["states"], "rss"
        r["peak_mb"] = r["rss_kb"] / 1024 if r["rss_kb"] is not None and r["status"] == "ok" else None
        rows.append(r)

    # reference: Spin's first mode (DFS with POR) of the same variant and N
    ref = {(r["variant"], r["N"]): r for r in rows
           if r["tool"] == "spin" and r["mode"] == spin_ref_mode and r["status"] == "ok" and r["classes"]}
    spin_any = {}
    for r in rows:
        if r["tool"] == "spin" and r["status"] == "ok" and r["classes"]:
            spin_any.setdefault((r["variant"], r["N"]), r)

    mismatches, unexpected, errors = [], [], []
    for r in rows:
        key = (r["variant"], r["N"])
        exp = EXPECTED.get(r["variant"])
        if r["status"] == "ERROR":
            errors.append(r)
        if r["status"] == "ok" and r["classes"] and exp and exp not in r["classes"]:
            unexpected.append(r)
        if r["tool"] == "spin" and r["mode"] == spin_ref_mode:
            r["agrees"] = "(reference)" if r["classes"] else "—"
        elif r["status"] != "ok" or not r["classes"]:
            r["agrees"] = "—"
        else:
            other = ref.get(key)
            suffix = ""
            if other is None and r["tool"] == "fltcheck" and key in spin_any:
                other, suffix = spin_any[key], f" (vs spin {spin_any[key]['mode']})"
            if other is None:
                r["agrees"] = "— (no Spin verdict)"
            elif other["classes"] & r["classes"]:
                r["agrees"] = "yes" + suffix
            else:
                r["agrees"] = "**NO**" + suffix
                mismatches.append((r, other))
        other = ref.get(key)
        if other is not None and r is not other and r["status"] == "ok":
            r["r_time"] = ratio(r.get("ttv"), other.get("ttv"))
            r["r_states"] = ratio(r.get("states"), other.get("states"))
            r["r_mem"] = ratio(r.get("peak_mb"), other.get("peak_mb"))

    lines = []
    p = lines.append
    p("# fltcheck vs Spin: FilterStack")
    p("")
    for k in ("date", "machine", "fltcheck", "spin", "gcc", "limits"):
        if k in meta:
            p(f"- {k}: {meta[k]}")
    modes = ", ".join(f"`{n}`" + (f" (`{o}`)" if o else " (default options)") for n, o in meta_modes["fltcheck"].items())
    p(f"- fltcheck modes: {modes}; Spin modes: {', '.join(meta_modes['spin'])} (the first is the reference)")
    if meta.get("fltcheck_cold") == "1":
        p("- fltcheck compiled the model in every run (FLTCHECK_COLD=1): its times include swiftc.")
    elif "fltcheck_compile_s" in meta:
        p(f"- fltcheck compiled the model once before the sweep ({meta['fltcheck_compile_s']} s, "
          f"{fnum(meta.get('fltcheck_compile_rss_kb')) and round(fnum(meta['fltcheck_compile_rss_kb']) / 1024)} MB "
          "peak with swiftc); the rows use the cached model (the parameters are read at run time). "
          "Spin compiles per N (N is a -D macro), so its compile is in every row.")
    if "fltcheck_repeat" in meta:
        p(f"- fltcheck rows: {meta['fltcheck_repeat']} (the walls of each run are in results.tsv's note); Spin's rows run once.")
    p("")
    top = len(lines)  # a VERDICT MISMATCH banner goes here too, above the table
    set_keys = sorted({r["bps_basis"] for r in rows if r["tool"] == "fltcheck" and r.get("bps_basis") not in (None, "rss")})
    if set_keys:
        bps_text = (f"**B/state**: fltcheck = the JSON's `statistics.{'/'.join(set_keys)}` (the visited set and its "
                    "parent links, in bytes) ÷ states, marked \"(store)\" (rows without it: peak RSS ÷ states); ")
    else:
        bps_text = ("**B/state**: fltcheck = peak RSS ÷ states (RSS-based: the JSON has no visited-set byte "
                    "count yet, so this includes the process's fixed ~30 MB and means little at small N); ")
    p("How to read it: **time** is the wall clock to the verdict (Spin: `spin -a` + `gcc -O2` + `pan`; "
      "fltcheck: the whole `fltcheck verify` process). **setup** is Spin's `spin -a` + gcc apart, and for "
      "fltcheck the wall clock minus its search (loading the model, building the IR). **states/s** is "
      "states stored ÷ search time (pan's `elapsed time`, fltcheck's `statistics.seconds`). **peak MB** is "
      "the peak RSS (`/usr/bin/time %M`) for both. " + bps_text + "Spin: pan's `total actual memory usage` "
      "÷ states stored. "
      f"**× Spin**: this row ÷ Spin {spin_ref_mode} of the same variant and N (< 1: smaller/faster than Spin). "
      "fltcheck's default modes go on after a violation to report every violated property, so their violated "
      "rows cover about the whole state space, while pan stops at the first error; the `-first` modes "
      "(`--stop-at-first`, run on the violated variants only) stop at the first violation as pan does: "
      "those rows compare like for like.")
    p("")
    bps_head = f"B/state (fltcheck: {'/'.join(set_keys)})" if set_keys else "B/state (fltcheck: RSS)"
    head = ["variant", "N", "tool / mode", "verdict", "agrees", "states", "time s", "setup s",
            "states/s", "peak MB", bps_head, "time × Spin", "states × Spin", "mem × Spin"]
    p("| " + " | ".join(head) + " |")
    p("|" + "|".join("---:" if h in ("N", "states", "time s", "setup s", "states/s", "peak MB", bps_head,
                                      "time × Spin", "states × Spin", "mem × Spin") else "---" for h in head) + "|")
    for r in rows:
        bps = fmt_g(r.get("bps"))
        if r.get("bps") is not None and r.get("bps_basis") not in ("rss", "pan"):
            bps += " (store)"
        verdict = r["verdict"]
        if r in unexpected:
            verdict += " **UNEXPECTED**"
        cells = [r["variant"], str(r["N"]), r["label"], verdict, r.get("agrees", "—"),
                 fmt_int(r.get("states")), fmt_s(r.get("ttv")), fmt_s(r.get("setup_s")) if r["status"] == "ok" else "—",
                 fmt_rate(r.get("rate")), "—" if r.get("peak_mb") is None else f"{r['peak_mb']:.1f}", bps,
                 fmt_ratio(r.get("r_time")), fmt_ratio(r.get("r_states")), fmt_ratio(r.get("r_mem"))]
        p("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    p("")

    # ---------------------------------------------------------------------------- targets
    p("## Targets (issue 5, item 3)")
    p("")
    p("| fltcheck mode | target | measured | status |")
    p("|---|---|---|---|")
    target_lines = []

    def status_le(value, limit):   # smaller is better
        if value <= limit:
            return f"met ({limit / value:.3g}× under)" if value > 0 else "met"
        return f"**MISSED** by {value / limit:.3g}×"

    def status_ge(value, limit):   # larger is better
        if value >= limit:
            return f"met ({value / limit:.3g}× over)"
        return f"**MISSED** by {limit / value:.3g}×" if value > 0 else "**MISSED**"

    def ok_row(tool, mode, variant, n):
        for r in rows:
            if (r["tool"], r["mode"], r["variant"], r["N"]) == (tool, mode, variant, n) and r["status"] == "ok" \
                    and r.get("states") is not None:
                return r
        return None

    def at_or_below(mode, n_want, need_ref):
        """the row at N=n_want, else the largest N below it that has a result (and a Spin reference)."""
        for n in range(n_want, 0, -1):
            r = ok_row("fltcheck", mode, "correct", n)
            if r is not None and (not need_ref or ("correct", n) in ref):
                return r
        return None

    def where(r, n_want):
        return f"N={r['N']}" + ("" if r["N"] == n_want else f" (N={n_want} not measured)")

    compile_s = fnum(meta.get("fltcheck_compile_s"))
    for mode, opts in meta_modes["fltcheck"].items():
        jobs = jobs_of(opts)
        exact = "--hash-compaction" not in (opts or "")
        # time to verdict at N=5
        r = at_or_below(mode, TIME_N, True)
        if r is None or r.get("r_time") is None:
            target_lines.append((mode, "time to verdict ≤ 1/10 of Spin's, correct, N=5", "no data", "n/a"))
        else:
            s = ref[("correct", r["N"])]
            extra = ""
            if compile_s is not None and meta.get("fltcheck_cold") != "1":
                extra = f"; with the one-off model compile ({compile_s:g} s): {(r['ttv'] + compile_s) / s['ttv']:.3g}"
            st = status_le(r["r_time"], TARGETS["time"])
            if r["N"] != TIME_N:
                st += " (not at N=5)"
            target_lines.append((mode, "time to verdict ≤ 1/10 of Spin's, correct, N=5",
                                 f"{where(r, TIME_N)}: {fmt_s(r['ttv'])} s vs {fmt_s(s['ttv'])} s = {r['r_time']:.3g}{extra}", st))
        # states at N=4
        r = at_or_below(mode, STATES_N, True)
        if r is None or r.get("r_states") is None:
            target_lines.append((mode, "states stored ≤ 1/20 of Spin's, correct, N=4", "no data", "n/a"))
        else:
            s = ref[("correct", r["N"])]
            st = status_le(r["r_states"], TARGETS["states"])
            if r["N"] != STATES_N:
                st += " (not at N=4)"
            target_lines.append((mode, "states stored ≤ 1/20 of Spin's, correct, N=4",
                                 f"{where(r, STATES_N)}: {fmt_int(r['states'])} vs {fmt_int(s['states'])} = {r['r_states']:.3g}", st))
        # rate per core, at the largest correct N measured
        r = at_or_below(mode, 99, False)
        if r is None or r.get("rate") is None:
            target_lines.append((mode, "≥ 1M states/s per core", "no data", "n/a"))
        else:
            j = r.get("jobs") or jobs
            per_core = r["rate"] / j
            target_lines.append((mode, "≥ 1M states/s per core",
                                 f"N={r['N']} correct: {fmt_rate(r['rate'])}/s on {j} core{'s' if j > 1 else ''} = {fmt_rate(per_core)}/s per core",
                                 status_ge(per_core, TARGETS["rate"])))
        # bytes per state, exact mode, largest correct N
        if not exact:
            target_lines.append((mode, "≤ 40 bytes per stored state (exact mode)", "not an exact mode", "n/a"))
        elif r is None or r.get("bps") is None:
            target_lines.append((mode, "≤ 40 bytes per stored state (exact mode)", "no data", "n/a"))
        else:
            basis = "peak RSS ÷ states" if r.get("bps_basis") == "rss" else f"{r['bps_basis']} ÷ states"
            target_lines.append((mode, "≤ 40 bytes per stored state (exact mode)",
                                 f"N={r['N']} correct: {fmt_g(r['bps'])} B ({basis})", status_le(r["bps"], TARGETS["bytes"])))
        # growth per extra operation
        counts = {n: ok_row("fltcheck", mode, "correct", n) for n in range(1, 6)}
        factors = [(n, counts[n]["states"] / counts[n - 1]["states"]) for n in range(2, 6)
                   if counts.get(n) and counts.get(n - 1) and counts[n - 1]["states"]]
        if not factors:
            target_lines.append((mode, "growth per extra operation ≤ ×4", "needs two N", "n/a"))
        else:
            spin_f = []
            for n, _ in factors:
                a, b = ref.get(("correct", n)), ref.get(("correct", n - 1))
                if a and b and b.get("states"):
                    spin_f.append(f"×{a['states'] / b['states']:.3g}")
            text = ", ".join(f"N{n - 1}→{n} ×{f:.3g}" for n, f in factors)
            if spin_f:
                text += f" (Spin {spin_ref_mode}: {', '.join(spin_f)})"
            last_n, last = factors[-1]
            target_lines.append((mode, "growth per extra operation ≤ ×4 (judged on the last step)", text,
                                 status_le(last, TARGETS["growth"]) + f" at N{last_n - 1}→{last_n}"))
    for mode, target, measured, st in target_lines:
        p(f"| {mode} | {target} | {measured} | {st} |")
    p("")

    # ---------------------------------------------------------------------------- verdicts
    compared = sum(1 for r in rows if r.get("agrees", "").startswith(("yes", "**NO")))
    if mismatches or unexpected:
        banner = "#" * 78
        start = len(lines)
        p("```")
        p(banner)
        if mismatches:
            p(f"###  VERDICT MISMATCH: {len(mismatches)} run(s) disagree with Spin")
            for r, o in mismatches:
                p(f"###    {r['variant']} N={r['N']} {r['label']}: {r['verdict']}  <>  spin {o['mode']}: {o['verdict']}")
        if unexpected:
            p(f"###  UNEXPECTED VERDICT: {len(unexpected)} run(s) do not find what the variant should give")
            for r in unexpected:
                p(f"###    {r['variant']} N={r['N']} {r['label']}: {r['verdict']} (expected: {EXPECTED[r['variant']]})")
        p(banner)
        p("```")
        lines[top:top] = lines[start:] + [""]
    elif compared:
        p(f"Verdicts: all {compared} comparable runs agree with Spin {spin_ref_mode} "
          "(correct: holds; doubleCompletion: NoDoubleCompletion ↔ assertion violated; "
          "teardownNeverCompletes: TeardownCompletes ↔ invalid end state).")
    else:
        p("Verdicts: **no run could be compared with Spin** (see the table).")
    if errors:
        p("")
        p(f"**{len(errors)} run(s) failed** (ERROR rows); their raw output is in {out}/raw/.")
    other_states = [r for r in rows if r["status"] in ("TIMEOUT", "MEMLIM")]
    if other_states:
        p("")
        p(f"{len(other_states)} run(s) hit a limit (TIMEOUT/MEMLIM); they have no verdict and are not compared.")

    report = "\n".join(lines) + "\n"
    sys.stdout.write(report)
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(report)
    if mismatches or unexpected:
        sys.stderr.write("\n" + "!" * 78 + "\n!!!  VERDICT MISMATCH: fltcheck and Spin (or the variant) disagree, see above\n"
                         + "!" * 78 + "\n")

    cols = ["variant", "N", "tool", "mode", "status", "verdict", "agrees", "states", "transitions", "depth",
            "cex_steps", "time_to_verdict_s", "setup_s", "search_s", "wall_s", "states_per_s", "jobs",
            "peak_rss_mb", "pan_mb", "bytes_per_state", "bytes_basis", "ratio_time", "ratio_states",
            "ratio_mem", "note", "cmd"]
    with open(os.path.join(out, "results.tsv"), "w", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
        w.writerow(cols)
        for r in rows:
            def v(x, nd=None):
                if x is None:
                    return "NA"
                return f"{x:.{nd}f}" if nd is not None and isinstance(x, float) else str(x)
            w.writerow([r["variant"], r["N"], r["tool"], r["mode"], r["status"], r["verdict"].replace("\t", " "),
                        r.get("agrees", "").replace("*", ""), v(r.get("states")), v(r.get("transitions")),
                        v(r.get("depth")), v(r.get("cex_steps")), v(r.get("ttv"), 3),
                        v(r.get("setup_s") if r["status"] == "ok" else None, 3), v(r.get("search_s"), 3),
                        v(r.get("wall_s"), 3), v(r.get("rate"), 0), v(r.get("jobs")), v(r.get("peak_mb"), 1),
                        v(r.get("pan_mb"), 1), v(r.get("bps"), 1), r.get("bps_basis", "NA"),
                        v(r.get("r_time"), 4), v(r.get("r_states"), 4), v(r.get("r_mem"), 4),
                        r.get("note", "").replace("\t", " "), r.get("cmd", "")])
    if mismatches or unexpected:
        return 1
    if errors:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
