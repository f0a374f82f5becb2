#!/usr/bin/env bash
# fltcheck against Spin on the FilterStack scenario (tracker issue 5); see README, "Benchmark".
#
#   bash bench/run.sh            # N = 1..5, every variant, every fltcheck mode, Spin DFS and BFS
#   MAXN=2 bash bench/run.sh     # a quick sweep
#
# Runs, one at a time on this machine, for each variant (correct, doubleCompletion,
# teardownNeverCompletes) and N = 1..MAXN:
#   fltcheck verify Models/Bench/FilterStack.swift --param N=<n> --param VARIANT=<v> --no-cache
#            --format json <mode options>                       (one run per fltcheck mode below)
#   spin <variant -D> -DN=<n> -a filterstack.pml && gcc -O2 -DMEMLIM=<MiB> <mode -D> -o pan pan.c
#            && ./pan <pan flags> -w<bits>                      (Spin DFS with POR, Spin BFS)
# then bench/report.py prints the Markdown table and the targets to stdout and writes
# bench/out/results.tsv and bench/out/table.md. Progress goes to stderr.
# Exit: 0 verdicts agree, 1 a VERDICT MISMATCH (or a verdict other than the variant's), 2 a run
# failed (build error, model error), 3 setup error.
#
# Environment:
#   MAXN=5          largest N (1..5: filterstack.pml has cancel branches for 5 operations)
#   TLIM=300        per-run wall-clock limit in seconds (killed: a TIMEOUT row)
#   SOFT=120        a run longer than this stops the N sweep of its row (larger N: SKIPPED rows)
#   MEMLIM=8192     MiB: compiled into pan (-DMEMLIM); fltcheck is killed past this RSS (MEMLIM row)
#   FLTCHECK=path   use this fltcheck binary instead of building with `swift build -c release`
#   SPIN_MODEL=path the Promela model (default ../shared/bench/spin/filterstack.pml from the repo root)
#   FLTCHECK_MODEL=path  fltcheck's model (default Models/Bench/FilterStack.swift)
#   MODES="name|options;name|options"  replaces the fltcheck modes below
#   VARIANTS="correct doubleCompletion"  only these variants
#   FLTCHECK_COLD=1 compile the model on every fltcheck run (default: compiled once, before the sweep)
#   FLTCHECK_REPEAT=3  runs per fltcheck row, the row keeping the median wall clock (only runs that end
#                   ok in under REPEAT_BELOW=60 s are repeated; Spin's rows run once)
#   OUT=bench/out   where the results go
set -u -o pipefail

# ---------------------------------------------------------------------------------------------
# fltcheck modes: "name|extra options of fltcheck verify", one line per mode to compare. The
# per-core rate divides by the threads the JSON reports (statistics.search.jobs; else the mode's
# --jobs N, else 1); a mode with --hash-compaction is not exact (the bytes-per-state target is for
# exact modes).
FLTCHECK_MODES=(
  "bfs|"                                # the defaults: BFS, symmetry reduction, every core
  "bfs-j1|--jobs 1"                     # the same on one core
  "bfs-nosym|--no-symmetry --jobs 1"    # every state, no symmetry reduction
  "bfs-keep|--keep-completed --jobs 1"  # without the completed-request reduction
  "dfs|--strategy dfs --jobs 1"         # depth-first (one thread)
  "bfs-hc|--hash-compaction"            # 64-bit fingerprints instead of whole states, every core
  "bfs-first|--stop-at-first"           # stop at the first violation, as pan does (violated variants only)
  "dfs-first|--strategy dfs --jobs 1 --stop-at-first"
)
# Spin modes: "name|gcc -D flags|pan flags (the -w hash size is added per N)". The first is the
# reference the verdicts and ratios are compared with.
SPIN_MODES=(
  "dfs||-m1000000"
  "bfs|-DBFS|"
)
# Variants: "fltcheck VARIANT|spin -D flags"
ALL_VARIANTS=(
  "correct|"
  "doubleCompletion|-DBUG_DOUBLE_COMPLETE"
  "teardownNeverCompletes|-DBUG_COMPLETE_AFTER_DRAIN"
)
# pan's hash table size (-w) per N, as in ../shared/bench/spin/run.sh
wbits() { case $1 in 1|2) echo 18;; 3) echo 20;; 4) echo 23;; *) echo 26;; esac; }
# ---------------------------------------------------------------------------------------------

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
MAXN=${MAXN:-5}
TLIM=${TLIM:-300}
SOFT=${SOFT:-120}
MEMLIM=${MEMLIM:-8192}
SPIN_MODEL=${SPIN_MODEL:-$ROOT/../shared/bench/spin/filterstack.pml}
FLTCHECK_MODEL=${FLTCHECK_MODEL:-$ROOT/Models/Bench/FilterStack.swift}
OUT=${OUT:-$HERE/out}
FLTCHECK_COLD=${FLTCHECK_COLD:-0}
FLTCHECK_REPEAT=${FLTCHECK_REPEAT:-3}
REPEAT_BELOW=${REPEAT_BELOW:-60}
[[ $FLTCHECK_REPEAT =~ ^[1-9][0-9]*$ ]] || { echo "bench: FLTCHECK_REPEAT must be a whole number >= 1 (got '$FLTCHECK_REPEAT')" >&2; exit 3; }
[[ $REPEAT_BELOW =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "bench: REPEAT_BELOW must be a number of seconds (got '$REPEAT_BELOW')" >&2; exit 3; }

die() { echo "bench: $*" >&2; exit 3; }
log() { echo "$(date +%T) $*" >&2; }

case $MAXN in 1|2|3|4|5) ;; *) die "MAXN must be 1..5 (filterstack.pml models at most 5 operations), not '$MAXN'";; esac
for v in TLIM SOFT MEMLIM; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number, not '${!v}'"
done
[ -f "$SPIN_MODEL" ] || die "the Spin model is missing: $SPIN_MODEL
  (expected ../shared/bench/spin/filterstack.pml beside the repository; set SPIN_MODEL=/path/to/filterstack.pml)"
SPIN_MODEL=$(cd "$(dirname "$SPIN_MODEL")" && pwd)/$(basename "$SPIN_MODEL")
[ -f "$FLTCHECK_MODEL" ] || die "fltcheck's model is missing: $FLTCHECK_MODEL"
if [ -n "${MODES:-}" ]; then
  IFS=';' read -r -a FLTCHECK_MODES <<< "$MODES"
fi
VARIANT_LIST=()
for v in "${ALL_VARIANTS[@]}"; do
  if [ -z "${VARIANTS:-}" ] || [[ " $VARIANTS " == *" ${v%%|*} "* ]]; then VARIANT_LIST+=("$v"); fi
done
[ ${#VARIANT_LIST[@]} -gt 0 ] || die "VARIANTS='${VARIANTS:-}' names none of: correct doubleCompletion teardownNeverCompletes"

# --- tools --------------------------------------------------------------------------------------
apt_install() {
  log "installing $* with apt-get"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; } >&2 \
    || die "could not install $* (apt-get install -y $*)"
}
command -v spin >/dev/null 2>&1 || apt_install spin
command -v gcc >/dev/null 2>&1 || apt_install gcc
[ -x /usr/bin/time ] || apt_install time
command -v setsid >/dev/null 2>&1 || apt_install util-linux
command -v python3 >/dev/null 2>&1 || apt_install python3

if [ -z "${FLTCHECK:-}" ]; then
  log "building fltcheck: swift build -c release"
  (cd "$ROOT" && swift build -c release >&2) || die "swift build -c release failed"
  FLTCHECK=$ROOT/.build/release/fltcheck
fi
[ -x "$FLTCHECK" ] || die "no fltcheck binary at $FLTCHECK"
FLTCHECK=$(cd "$(dirname "$FLTCHECK")" && pwd)/$(basename "$FLTCHECK")

mkdir -p "$OUT/raw"
rm -f "$OUT"/raw/*
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fltcheck-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
CACHE=$WORK/cache            # fltcheck's compiled-model cache for this benchmark only
RUNS=$OUT/runs.tsv
printf 'variant\tN\ttool\tmode\tstatus\trc\twall_s\tsetup_s\trss_kb\traw\tnote\tcmd\n' > "$RUNS"

# --- measuring one command ------------------------------------------------------------------------
# measure <dir> <work dir> <stdout file> <stderr file> <command...>
# Runs the command in <dir> (its time.txt goes to <work dir>) in a session of its own, under `timeout $TLIM` and /usr/bin/time, and
# kills the session when its resident memory passes MEMLIM MiB. Sets M_RC, M_WALL (s), M_RSSKB
# (peak RSS of the largest process, /usr/bin/time %M) and M_STATUS (ok, TIMEOUT, MEMLIM).
measure() {
  local dir=$1 tf=$2/time.txt out=$3 err=$4; shift 4
  local memhit=0 pid rss state t0 t1
  rm -f "$tf"
  t0=$(date +%s%N)
  ( cd "$dir" && exec setsid /usr/bin/time -f '%e %M' -o "$tf" timeout -k 5 "$TLIM" "$@" >"$out" 2>"$err" ) &
  pid=$!
  while :; do
    state=$(ps -o stat= -p "$pid" 2>/dev/null) || break
    case $state in Z*|"") break;; esac
    rss=$(ps -o rss= --sid "$pid" 2>/dev/null | awk '{s += $1} END {print s + 0}')
    if [ "$rss" -gt $((MEMLIM * 1024)) ]; then
      memhit=1
      # shellcheck disable=SC2046  # the ids of this run's processes, one per word
      kill -KILL $(ps -o pid= --sid "$pid") 2>/dev/null
      break
    fi
    sleep 0.2
  done
  wait "$pid" 2>/dev/null; M_RC=$?
  t1=$(date +%s%N)
  M_WALL=NA; M_RSSKB=NA
  if [ -s "$tf" ]; then read -r M_WALL M_RSSKB < <(tail -1 "$tf"); fi
  # killed with /usr/bin/time (MEMLIM): the wall clock of this function instead
  [[ $M_WALL =~ ^[0-9.]+$ ]] || M_WALL=$(awk -v d=$((t1 - t0)) 'BEGIN {printf "%.2f", d / 1e9}')
  [[ $M_RSSKB =~ ^[0-9]+$ ]] || M_RSSKB=NA
  if [ $memhit = 1 ]; then M_STATUS=MEMLIM
  elif [ "$M_RC" = 124 ] || [ "$M_RC" = 137 ]; then M_STATUS=TIMEOUT
  else M_STATUS=ok; fi
}

row() {  # variant N tool mode status rc wall setup rss raw note cmd
  local IFS=$'\t'
  echo "$*" >> "$RUNS"
}

# --- one fltcheck run -----------------------------------------------------------------------------
# run_fltcheck <variant> <N> <mode name> <options>; sets R_STATUS and R_WALL
run_fltcheck() {
  local v=$1 n=$2 mode=$3 opts=$4
  local tag=${v}_N${n}_fltcheck-${mode} cache=$CACHE
  local d=$WORK/$tag
  mkdir -p "$d"
  [ "$FLTCHECK_COLD" = 1 ] && cache=$d/cache
  local -a cmd
  # shellcheck disable=SC2206  # the mode's options are words
  cmd=("$FLTCHECK" verify "$FLTCHECK_MODEL" --param "N=$n" --param "VARIANT=$v" --no-cache --format json $opts)
  # Up to FLTCHECK_REPEAT runs (while each ends ok within REPEAT_BELOW s); the row is the run with the
  # median wall clock: this machine's speed drifts by up to 2x from one minute to the next.
  local -a walls=() rcs=() rsss=()
  local k
  for k in $(seq 1 "$FLTCHECK_REPEAT"); do
    FLTCHECK_CACHE_DIR=$cache measure "$ROOT" "$d" "$OUT/raw/$tag.r$k.json" "$OUT/raw/$tag.r$k.err" "${cmd[@]}"
    walls+=("$M_WALL"); rcs+=("$M_RC"); rsss+=("$M_RSSKB")
    [ "$M_STATUS" = ok ] && [ "$M_RC" -le 2 ] || break
    awk -v t="$M_WALL" -v s="$REPEAT_BELOW" 'BEGIN {exit !(t + 0 < s + 0)}' || break
  done
  local pick=${#walls[@]} repeated=""
  if [ "$M_STATUS" = ok ] && [ ${#walls[@]} -gt 1 ]; then
    pick=$(for k in "${!walls[@]}"; do echo "${walls[$k]} $((k + 1))"; done | sort -n | awk -v m=$(( (${#walls[@]} + 1) / 2 )) 'NR == m {print $2}')
    repeated="median of ${#walls[@]} runs (wall ${walls[*]} s)"
    M_WALL=${walls[$((pick - 1))]}; M_RC=${rcs[$((pick - 1))]}; M_RSSKB=${rsss[$((pick - 1))]}
  fi
  mv "$OUT/raw/$tag.r$pick.json" "$OUT/raw/$tag.json"; mv "$OUT/raw/$tag.r$pick.err" "$OUT/raw/$tag.err"
  rm -f "$OUT/raw/$tag".r*.json "$OUT/raw/$tag".r*.err
  local status=$M_STATUS note=$repeated
  # 0 holds, 1 violated, 2 inconclusive; anything else (3 model error, a crash) is an error
  if [ "$status" = ok ] && [ "$M_RC" -gt 2 ]; then
    status=ERROR; note=$(head -c 300 "$OUT/raw/$tag.err" | tr '\t\n' '  ')
  fi
  row "$v" "$n" fltcheck "$mode" "$status" "$M_RC" "$M_WALL" "" "$M_RSSKB" "raw/$tag.json" "$note" \
    "cd $ROOT && FLTCHECK_CACHE_DIR=<bench cache> ${cmd[*]}"
  log "$v N=$n fltcheck/$mode: $status rc=$M_RC wall=${M_WALL}s rss=${M_RSSKB}KB"
  R_STATUS=$status; R_WALL=$M_WALL
}

# --- one Spin run ---------------------------------------------------------------------------------
# run_spin <variant> <spin -D flags> <N> <mode name> <gcc -D flags> <pan flags>; sets R_STATUS, R_WALL
run_spin() {
  local v=$1 vflags=$2 n=$3 mode=$4 gflags=$5 pflags=$6
  local tag=${v}_N${n}_spin-${mode} w
  local d=$WORK/$tag
  w=$(wbits "$n")
  rm -rf "$d"; mkdir -p "$d"; cp "$SPIN_MODEL" "$d/filterstack.pml"
  local c1="spin $vflags -DN=$n -a filterstack.pml"
  local c2="gcc -O2 -DMEMLIM=$MEMLIM $gflags -o pan pan.c"
  local c3="./pan $pflags -w$w"
  local b0 b1 build_s
  b0=$(date +%s%N)
  # shellcheck disable=SC2086  # the command lines are words
  if ! (cd "$d" && $c1 > spin.log 2>&1 && $c2 > gcc.log 2>&1); then
    local note; note=$(cat "$d/spin.log" "$d/gcc.log" 2>/dev/null | grep -m3 -iE 'error' | tr '\t\n' '  ')
    row "$v" "$n" spin "$mode" ERROR "" NA NA NA "" "build failed: $note" "$c1 && $c2 && $c3"
    log "$v N=$n spin/$mode: build failed"
    R_STATUS=ERROR; R_WALL=0; return
  fi
  b1=$(date +%s%N)
  build_s=$(awk -v d=$((b1 - b0)) 'BEGIN {printf "%.3f", d / 1e9}')
  # shellcheck disable=SC2086
  measure "$d" "$d" "$OUT/raw/$tag.pan.txt" "$OUT/raw/$tag.pan.txt.err" $c3
  cat "$OUT/raw/$tag.pan.txt.err" >> "$OUT/raw/$tag.pan.txt"; rm -f "$OUT/raw/$tag.pan.txt.err"
  local status=$M_STATUS
  if [ "$status" = ok ] && grep -qE 'MEMLIM|out of memory' "$OUT/raw/$tag.pan.txt"; then status=MEMLIM; fi
  if [ "$status" = ok ] && ! grep -q 'errors:' "$OUT/raw/$tag.pan.txt"; then status=ERROR; fi
  row "$v" "$n" spin "$mode" "$status" "$M_RC" "$M_WALL" "$build_s" "$M_RSSKB" "raw/$tag.pan.txt" "" \
    "$c1 && $c2 && $c3"
  log "$v N=$n spin/$mode: $status build=${build_s}s pan wall=${M_WALL}s rss=${M_RSSKB}KB"
  R_STATUS=$status
  R_WALL=$(awk -v a="$build_s" -v b="$M_WALL" 'BEGIN {printf "%.3f", a + b}')
}

# --- a row: one variant and tool/mode for N = 1..MAXN ----------------------------------------------
# after a TIMEOUT/MEMLIM/ERROR or a run over SOFT seconds, larger N are SKIPPED
sweep_done() {  # <variant> <N> <tool> <mode>: record the skipped N after a stop
  local v=$1 n=$2 tool=$3 mode=$4 reason=$5 k
  for k in $(seq $((n + 1)) "$MAXN"); do
    row "$v" "$k" "$tool" "$mode" SKIPPED "" NA NA NA "" "N=$n $reason" ""
  done
  [ "$n" -lt "$MAXN" ] && log "  $v $tool/$mode: N=$n $reason: N>$n skipped"
}
stops() {  # <status> <wall>: is this a reason to stop growing N? prints the reason
  if [ "$1" != ok ]; then echo "was $1"; return 0; fi
  if awk -v t="$2" -v s="$SOFT" 'BEGIN {exit !(t + 0 > s + 0)}'; then echo "took ${2}s > SOFT=${SOFT}s"; return 0; fi
  return 1
}

# --- metadata -------------------------------------------------------------------------------------
META=$OUT/meta.tsv
{
  printf 'date\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf 'machine\t%s, %s cores, %s GiB RAM\n' "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
    "$(nproc)" "$(awk '/MemTotal/ {printf "%.0f", $2 / 1048576}' /proc/meminfo)"
  printf 'fltcheck\t%s (%s)\n' "$FLTCHECK" "$(git -C "$ROOT" log -1 --format='%h %s' 2>/dev/null | cut -c1-80)"
  printf 'fltcheck_model\t%s\n' "$FLTCHECK_MODEL"
  printf 'spin\t%s\n' "$(spin -V 2>&1 | head -1)"
  printf 'spin_model\t%s\n' "$SPIN_MODEL"
  printf 'gcc\t%s\n' "$(gcc --version | head -1)"
  printf 'limits\tMAXN=%s TLIM=%ss SOFT=%ss MEMLIM=%sMiB\n' "$MAXN" "$TLIM" "$SOFT" "$MEMLIM"
  printf 'fltcheck_cold\t%s\n' "$FLTCHECK_COLD"
  printf 'fltcheck_repeat\t%s runs per row below %s s, the median kept\n' "$FLTCHECK_REPEAT" "$REPEAT_BELOW"
  for m in "${FLTCHECK_MODES[@]}"; do printf 'fltcheck_mode\t%s\n' "$m"; done
  for m in "${SPIN_MODES[@]}"; do printf 'spin_mode\t%s\n' "$m"; done
} > "$META"

# compile the model once (the compiled model is cached by fltcheck); its time is reported apart
if [ "$FLTCHECK_COLD" != 1 ]; then
  log "compiling the fltcheck model once (FLTCHECK_COLD=1 compiles it in every run instead)"
  mkdir -p "$WORK/warmup"
  # (no memory limit here: swiftc's RSS is not the checker's)
  FLTCHECK_CACHE_DIR=$CACHE MEMLIM=1048576 measure "$ROOT" "$WORK/warmup" "$WORK/warmup/out.json" "$WORK/warmup/err" \
    "$FLTCHECK" verify "$FLTCHECK_MODEL" --param N=1 --param VARIANT=correct --no-cache --format json
  if [ "$M_STATUS" != ok ] || [ "$M_RC" -gt 2 ]; then
    die "fltcheck could not check $FLTCHECK_MODEL ($M_STATUS, exit $M_RC):
$(head -20 "$WORK/warmup/err")"
  fi
  printf 'fltcheck_compile_s\t%s\n' "$M_WALL" >> "$META"
  printf 'fltcheck_compile_rss_kb\t%s\n' "$M_RSSKB" >> "$META"
fi

# --- the sweep ------------------------------------------------------------------------------------
for vv in "${VARIANT_LIST[@]}"; do
  v=${vv%%|*}; vflags=${vv#*|}
  for sm in "${SPIN_MODES[@]}"; do
    IFS='|' read -r mode gflags pflags <<< "$sm"
    for n in $(seq 1 "$MAXN"); do
      run_spin "$v" "$vflags" "$n" "$mode" "$gflags" "$pflags"
      if reason=$(stops "$R_STATUS" "$R_WALL"); then sweep_done "$v" "$n" spin "$mode" "$reason"; break; fi
    done
  done
  for fm in "${FLTCHECK_MODES[@]}"; do
    mode=${fm%%|*}; opts=${fm#*|}
    [ "$mode" = "$fm" ] && opts=""
    # a model that holds is explored to the end with or without --stop-at-first: nothing to compare
    case $mode in *-first) [ "$v" = correct ] && continue ;; esac
    for n in $(seq 1 "$MAXN"); do
      run_fltcheck "$v" "$n" "$mode" "$opts"
      if reason=$(stops "$R_STATUS" "$R_WALL"); then sweep_done "$v" "$n" fltcheck "$mode" "$reason"; break; fi
    done
  done
done

python3 "$HERE/report.py" "$OUT"
