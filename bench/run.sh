#!/usr/bin/env bash
# Benchmarks of attest against the tools a user would otherwise pick, on the
# same generated corpus, in one sitting: Hugo (build, rebuild), pandoc
# --citeproc (per entry, on a sample), pagefind (search index), SQLite FTS5
# (search latency) and nginx (serving). Writes bench/RESULTS.md.
#
#   bench/run.sh                   1,000 and 10,000 entries, competitors installed if missing
#   bench/run.sh --sizes 1000      only these sizes (comma-separated)
#   bench/run.sh --smoke           100 entries, attest only, no installs, debug build (for CI)
#
# Options: --runs N (runs per median, default 3; or one number per size,
# e.g. --runs 3,1 with --sizes 1000,10000), --out FILE (default
# bench/RESULTS.md; --smoke writes into its work folder), --work DIR (where
# corpora and sites go; default a new temporary folder, removed at the end
# unless --keep). ATTEST=/path/to/attest skips building attest. Timings
# never make this script fail; broken tools do.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

sizes="1000,10000"
runs=3
smoke=0
keep=0
out=""
work=""
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --smoke) smoke=1; shift ;;
    --out) out=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$smoke" = 1 ]; then
  sizes=100
  runs=1
fi
if [ -z "$work" ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/attest-bench.XXXXXX")
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)
if [ -z "$out" ]; then
  if [ "$smoke" = 1 ]; then out=$work/RESULTS.md; else out=$root/bench/RESULTS.md; fi
fi
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ "$keep" = 0 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
log() { printf '== %s\n' "$*" >&2; }

# --- what we compare against ------------------------------------------------
if [ "$smoke" = 0 ]; then
  missing=()
  for pair in hugo:hugo pandoc:pandoc nginx:nginx wrk:wrk sqlite3:sqlite3; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [ -x /usr/bin/time ] || missing+=(time)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if [ ! -x bench/node_modules/.bin/pagefind ]; then
    log "installing pagefind (npm)"
    (cd bench && npm ci --no-audit --no-fund --silent)
  fi
fi

# --- attest ------------------------------------------------------------------
if [ "$smoke" = 1 ]; then profile=debug; else profile=release; fi
if [ -n "${ATTEST:-}" ]; then
  attest=$ATTEST # a binary built already
  profile="given as ATTEST=$ATTEST"
else
  if [ "$profile" = release ]; then cargo build --release --locked --quiet; else cargo build --locked --quiet; fi
  attest=${CARGO_TARGET_DIR:-$root/target}/$profile/attest
fi
[ -x "$attest" ] || { echo "bench/run.sh: no binary at $attest" >&2; exit 1; }
has_serve=0
if "$attest" serve --help >/dev/null 2>&1; then has_serve=1; fi

# --- measuring ---------------------------------------------------------------
# measure NAME CMD...: runs CMD $runs times (its output to $work/NAME.log),
# sets $sec to the median wall time in seconds and $rss to the median peak
# RSS in MiB. A failing command stops the script: that is breakage.
measure() {
  local name=$1; shift
  local times=() rsss=() i
  for ((i = 0; i < runs; i++)); do
    [ -n "${before:-}" ] && eval "$before"
    if [ -x /usr/bin/time ]; then
      if ! /usr/bin/time -f '%e %M' -o "$work/$name.time" "$@" >"$work/$name.log" 2>&1; then
        echo "bench/run.sh: $name failed: $*" >&2; tail -20 "$work/$name.log" >&2; exit 1
      fi
      read -r t m <"$work/$name.time"
    else
      local s e
      s=$(date +%s.%N)
      "$@" >"$work/$name.log" 2>&1 || { echo "bench/run.sh: $name failed: $*" >&2; tail -20 "$work/$name.log" >&2; exit 1; }
      e=$(date +%s.%N)
      t=$(awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'); m=0
    fi
    times+=("$t"); rsss+=("$m")
  done
  sec=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  rss=$(printf '%s\n' "${rsss[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR+1)/2)]/1024}')
}

# Results: R[size.key] = value; rendered into Markdown at the end.
declare -A R
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "n/a" }'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { # URL PID LOG [SECONDS]: waits (default 10 minutes) for a 200 while PID runs
  if ! try_http "$@"; then exit 1; fi
}
try_http() { # the same, but returns 1 (the reason in $why) instead of ending the run
  local end=$((SECONDS + ${4:-600}))
  while [ "$SECONDS" -lt "$end" ]; do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    if ! kill -0 "$2" 2>/dev/null; then
      local st=0
      wait "$2" 2>/dev/null || st=$?
      why="the server stopped before answering (exit status $st$([ "$st" = 137 ] && echo ", killed: out of memory?"))"
      echo "bench/run.sh: $why at $1:" >&2; tail -5 "$3" >&2; return 1
    fi
    sleep 0.1
  done
  why="nothing answered at $1 within ${4:-600} s"
  echo "bench/run.sh: $why" >&2
  return 1
}
# wrk_run URL [HEADER]: sets $rps and $p99 (ms) from one wrk -t2 -c64 -d15s run.
wrk_run() {
  local args=(-t2 -c64 -d15s --latency)
  [ $# -gt 1 ] && args+=(-H "$2")
  wrk "${args[@]}" "$1" >"$work/wrk.log" 2>&1
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$work/wrk.log")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/, "", v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/, "", v)} else if (v ~ /s$/) {sub(/s$/, "", v); v*=1000}; printf "%.2f", v}' "$work/wrk.log")
}

not_serve="not measured: attest serve not available"

runs_list=$runs
declare -A RUNS
i=0
for n in ${sizes//,/ }; do
  i=$((i + 1))
  r=$(echo "$runs_list" | cut -d, -f"$i")
  [ -n "$r" ] || r=${runs_list##*,}
  RUNS[$n]=$r
done

for n in ${sizes//,/ }; do
  runs=${RUNS[$n]}
  works=$n
  corpus=$work/corpus-$n
  hugo_src=$work/hugo-$n
  log "generating $n entries, $works works"
  rm -rf "$corpus" "$hugo_src"
  "$attest" bench corpus --entries "$n" --works "$works" --seed 1 --out "$corpus" --hugo "$hugo_src" >/dev/null
  R[$n.bytes]=$(du -sb "$corpus/entries" | cut -f1)

  log "attest check ($n)"
  measure check "$attest" check "$corpus" --format json
  if ! grep -Eq "\"errors\": ?0," "$work/check.log"; then
    echo "bench/run.sh: the generated corpus does not check clean" >&2; head -c 2000 "$work/check.log" >&2; exit 1
  fi
  R[$n.check.s]=$sec; R[$n.check.rss]=$rss

  log "attest build ($n)"
  before="rm -rf '$work/site-$n'"
  measure build "$attest" build "$corpus" --out "$work/site-$n"
  before=""
  R[$n.build.s]=$sec; R[$n.build.rss]=$rss
  R[$n.index.bytes]=$(du -sb "$work/site-$n/search" | cut -f1)
  R[$n.site.files]=$(find "$work/site-$n" -type f | wc -l)
  entry_page=entries/case-00001/index.html
  [ -f "$work/site-$n/$entry_page" ] || { echo "bench/run.sh: no page $entry_page in the built site" >&2; exit 1; }
  R[$n.page.bytes]=$(wc -c <"$work/site-$n/$entry_page")

  if [ "$smoke" = 1 ]; then continue; fi

  # `build` keeps no cache between runs, so its rebuild after one change is
  # a full build: the row reports the full build's time rather than
  # spending another one to measure the same work.
  R[$n.rebuild.s]=${R[$n.build.s]}

  log "hugo ($n)"
  before="rm -rf '$work/hugo-out-$n'"
  measure hugo hugo --source "$hugo_src" --destination "$work/hugo-out-$n" --quiet
  before=""
  R[$n.hugo.s]=$sec; R[$n.hugo.rss]=$rss

  log "hugo server rebuild after one change ($n)"
  port=$(free_port)
  hugo server --source "$hugo_src" --port "$port" --bind 127.0.0.1 --disableLiveReload \
    >"$work/hugo-server.log" 2>&1 &
  hpid=$!; pids+=("$hpid")
  for ((k = 0; k < 6000; k++)); do
    grep -q 'Web Server is available' "$work/hugo-server.log" && break
    kill -0 "$hpid" 2>/dev/null || { echo "bench/run.sh: hugo server stopped:" >&2; tail -5 "$work/hugo-server.log" >&2; exit 1; }
    sleep 0.1
  done
  hugo_ms=()
  for ((i = 0; i < runs; i++)); do
    lines=$(grep -c 'Total in' "$work/hugo-server.log" || true)
    echo "Changed $i." >>"$hugo_src/content/entries/case-00003.md"
    for ((k = 0; k < 1200; k++)); do
      [ "$(grep -c 'Total in' "$work/hugo-server.log" || true)" -gt "$lines" ] && break
      sleep 0.05
    done
    hugo_ms+=("$(grep 'Total in' "$work/hugo-server.log" | tail -1 | sed -E 's/.*Total in ([0-9.]+) ms.*/\1/')")
    sleep 1
  done
  kill "$hpid" 2>/dev/null || true; wait "$hpid" 2>/dev/null || true
  R[$n.hugo.rebuild.ms]=$(printf '%s\n' "${hugo_ms[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')

  log "pandoc --citeproc on 50 entries ($n)"
  mapfile -t sample < <(find "$corpus/entries" -name '*.md' | sort | head -50)
  measure pandoc bash -c 'bib=$1; out=$2; shift 2; for f in "$@"; do pandoc --citeproc --bibliography "$bib" -s "$f" -o "$out"; done' \
    _ "$corpus/bibliography/works.bib" "$work/pandoc.html" "${sample[@]}"
  sampled=${#sample[@]}
  R[$n.pandoc.per]=$(awk -v s="$sec" -v k="$sampled" 'BEGIN { printf "%.3f", s / k }')
  R[$n.pandoc.s]=$(awk -v p="${R[$n.pandoc.per]}" -v n="$n" 'BEGIN { printf "%.0f", p * n }')
  R[$n.pandoc.rss]=$rss

  log "pagefind on Hugo's output ($n)"
  before="rm -rf '$work/hugo-out-$n/pagefind'"
  measure pagefind bench/node_modules/.bin/pagefind --site "$work/hugo-out-$n"
  before=""
  R[$n.pagefind.s]=$sec; R[$n.pagefind.rss]=$rss
  R[$n.pagefind.bytes]=$(du -sb "$work/hugo-out-$n/pagefind" | cut -f1)

  log "search latency: SQLite FTS5 ($n)"
  python3 bench/search.py queries "$corpus" 200 1 >"$work/queries.txt"
  python3 bench/search.py fts5 "$corpus" "$work/queries.txt" >"$work/fts5.json"
  R[$n.fts5.p50]=$(python3 -c 'import json,sys; print("%.2f" % json.load(open(sys.argv[1]))["p50_ms"])' "$work/fts5.json")
  R[$n.fts5.p99]=$(python3 -c 'import json,sys; print("%.2f" % json.load(open(sys.argv[1]))["p99_ms"])' "$work/fts5.json")
  R[$n.fts5.build]=$(python3 -c 'import json,sys; print("%.1f" % json.load(open(sys.argv[1]))["build_s"])' "$work/fts5.json")

  log "nginx ($n)"
  nport=$(free_port)
  mkdir -p "$work/nginx"
  cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  sendfile on;
  client_body_temp_path $work/nginx/tmp;
  gzip on; gzip_comp_level 1; gzip_types text/css application/javascript;
  server { listen 127.0.0.1:$nport; root $work/site-$n; }
}
EOF
  nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
  npid=$!; pids+=("$npid")
  wait_http "http://127.0.0.1:$nport/$entry_page" "$npid" "$work/nginx/error.log"
  wrk_run "http://127.0.0.1:$nport/$entry_page"
  R[$n.nginx.rps]=$rps; R[$n.nginx.p99]=$p99
  wrk_run "http://127.0.0.1:$nport/$entry_page" "Accept-Encoding: gzip"
  R[$n.nginx.gz.rps]=$rps; R[$n.nginx.gz.p99]=$p99
  kill "$npid" 2>/dev/null || true; wait "$npid" 2>/dev/null || true

  if [ "$has_serve" = 0 ]; then
    log "$not_serve"
    continue
  fi
  log "attest serve ($n)"
  sport=$(free_port)
  NO_COLOR=1 ATTEST_LOG=warn,attest::serve=info "$attest" serve "$corpus" --addr "127.0.0.1:$sport" --db "$work/serve-$n.db" >"$work/serve.log" 2>&1 &
  spid=$!; pids+=("$spid")
  # The server answers once its first full render is done: allow twice the build's time.
  # A server that stops (at 10,000 entries: memory) costs its rows, not the run's other results.
  if ! try_http "http://127.0.0.1:$sport/healthz" "$spid" "$work/serve.log" "$(awk -v s="${R[$n.build.s]}" 'BEGIN { printf "%d", 600 + 2 * s }')"; then
    R[$n.serve.why]="not measured: $why"
    kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true
    continue
  fi
  url="http://127.0.0.1:$sport/${entry_page%index.html}"
  # The first start puts every document into the search index; the server logs how long that took.
  R[$n.tantivy.ms]=$(sed 's/\x1b\[[0-9;]*m//g' "$work/serve.log" | grep 'store and search index up to date' | head -1 | grep -oE 'search_ms=[0-9]+' | cut -d= -f2)
  # Watcher: from saving a file to the next generation being served.
  serve_ms=() logged_ms=()
  for ((i = 0; i < runs; i++)); do
    gen=$(curl -fsS "http://127.0.0.1:$sport/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
    t0=$(date +%s%N)
    echo "Changed $i." >>"$corpus/entries/case-00003.md"
    for ((k = 0; k < 6000; k++)); do
      g=$(curl -fsS "http://127.0.0.1:$sport/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
      [ "$g" -gt "$gen" ] && break
      sleep 0.01
    done
    serve_ms+=("$(( ($(date +%s%N) - t0) / 1000000 ))")
    line=$(sed 's/\x1b\[[0-9;]*m//g' "$work/serve.log" | grep 'reloaded' | tail -1)
    logged_ms+=("$(echo "$line" | grep -oE ' ms=[0-9]+' | cut -d= -f2)")
    R[$n.watch.steps]=$(echo "$line" | grep -oE '(load|check|render|store)_ms=[0-9]+' | sed -E 's/_ms=/ /; s/$/ ms/' | paste -sd, - | sed 's/,/, /g')
  done
  R[$n.watch.ms]=$(printf '%s\n' "${serve_ms[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  R[$n.watch.logged]=$(printf '%s\n' "${logged_ms[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$sport/api/search?q=test")
  if [ "$status" = 200 ]; then
    python3 bench/search.py http "http://127.0.0.1:$sport/api/search" "$work/queries.txt" >"$work/attest-search.json"
    R[$n.search.p50]=$(python3 -c 'import json,sys; print("%.2f" % json.load(open(sys.argv[1]))["p50_ms"])' "$work/attest-search.json")
    R[$n.search.p99]=$(python3 -c 'import json,sys; print("%.2f" % json.load(open(sys.argv[1]))["p99_ms"])' "$work/attest-search.json")
  else
    R[$n.search.note]="not measured: /api/search answers $status"
  fi
  # After the watcher's reload the server still makes the new generation's
  # static search index in the background (at 10,000 entries, about 40 s
  # of both cores); asking for it waits until it is made, so wrk measures
  # serving, not that.
  curl -fsS -o /dev/null "http://127.0.0.1:$sport/search/index.js" || true
  wrk_run "$url"
  R[$n.serve.rps]=$rps; R[$n.serve.p99]=$p99
  wrk_run "$url" "Accept-Encoding: gzip"
  R[$n.serve.gz.rps]=$rps; R[$n.serve.gz.p99]=$p99
  R[$n.serve.rss]=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$spid/status")
  kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true
done

# --- RESULTS.md ----------------------------------------------------------------
v() { local k=$1; echo "${R[$k]:-}"; }
or_na() { if [ -n "$1" ]; then echo "$1"; else echo "${2:-n/a}"; fi; }
why_not() { or_na "$(v "$1.serve.why")" "$not_serve"; }
version() { "$@" 2>&1 | head -1 || true; }
{
  echo "# Benchmark results"
  echo
  echo "Written by \`bench/run.sh\`$([ "$smoke" = 1 ] && echo " --smoke") on $(date -u +%Y-%m-%d) at $(date -u +%H:%M) UTC."
  echo "Each time is the median of the runs given per size below (wrk: one 15 s run); RSS is the median peak resident set."
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) memory, Linux $(uname -r), load average before the run $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "Versions: $(version "$attest" --version) ($profile)"
  if [ "$smoke" = 0 ]; then
    echo "· $(version hugo version | cut -d' ' -f1-2) · $(version pandoc --version) · pagefind $(version bench/node_modules/.bin/pagefind --version | awk '{print $NF}')"
    echo "· $(version nginx -v | sed 's/nginx version: //') · $(version wrk -v | cut -d' ' -f1-2) · SQLite $(python3 -c 'import sqlite3; print(sqlite3.sqlite_version)') (FTS5, from Python)"
  fi
  echo
  echo "The corpus comes from \`attest bench corpus --entries N --works N --seed 1\`: invented case studies with the"
  echo "full template (about 30 KB each, ~30 citations with page locators into a shared bibliography of N works,"
  echo "10 figures, 15 EDTF events, 5 places from a gazetteer of 300, restricted passages and testimonies)."
  echo "Hugo builds the same Markdown bodies with minimal layouts; pandoc runs \`--citeproc\` per entry."
  for n in ${sizes//,/ }; do
    echo
    echo "## $n entries ($(awk -v b="$(v $n.bytes)" 'BEGIN {printf "%.0f MB", b/1e6}') of Markdown; median of ${RUNS[$n]} run(s))"
    echo
    echo "| measure | attest | compared with | competitor | attest ÷ competitor |"
    echo "|---|---|---|---|---|"
    echo "| full \`check\` | $(v $n.check.s) s, $(rate $n "$(v $n.check.s)") entries/s, $(v $n.check.rss) MiB | — | | |"
    if [ "$smoke" = 1 ]; then
      echo "| full \`build\` | $(v $n.build.s) s, $(rate $n "$(v $n.build.s)") entries/s, $(v $n.build.rss) MiB | (smoke run: no competitors) | | |"
      continue
    fi
    echo "| full \`build\` | $(v $n.build.s) s, $(rate $n "$(v $n.build.s)") entries/s, $(v $n.build.rss) MiB | \`hugo\` | $(v $n.hugo.s) s, $(rate $n "$(v $n.hugo.s)") entries/s, $(v $n.hugo.rss) MiB | time $(div "$(v $n.build.s)" "$(v $n.hugo.s)"), RSS $(div "$(v $n.build.rss)" "$(v $n.hugo.rss)") |"
    echo "| | | \`pandoc --citeproc\` per entry, 50 entries timed, **extrapolated** to $n | $(v $n.pandoc.per) s/entry → ~$(v $n.pandoc.s) s, $(v $n.pandoc.rss) MiB | time $(div "$(v $n.build.s)" "$(v $n.pandoc.s)") |"
    echo "| rebuild after one entry changed: \`build\` (keeps no cache: a full build, the time above) | $(v $n.rebuild.s) s | \`hugo server\` rebuild (its own \"Total in\") | $(v $n.hugo.rebuild.ms) ms | $(div "$(awk -v s="$(v $n.rebuild.s)" 'BEGIN {print s*1000}')" "$(v $n.hugo.rebuild.ms)") |"
    if [ -n "$(v $n.watch.ms)" ]; then
      echo "| rebuild after one entry changed: \`serve\` watcher (save → new generation answered; includes the watcher's 120 ms settle) | $(v $n.watch.ms) ms (reload itself, as logged: $(v $n.watch.logged) ms; last one by step: $(v $n.watch.steps)) | \`hugo server\` rebuild | $(v $n.hugo.rebuild.ms) ms | $(div "$(v $n.watch.ms)" "$(v $n.hugo.rebuild.ms)") |"
    else
      echo "| rebuild after one entry changed: \`serve\` watcher | $(why_not $n) | \`hugo server\` rebuild | $(v $n.hugo.rebuild.ms) ms | |"
    fi
    echo "| search index build | server's tantivy index, all documents at first start: $(or_na "$(v $n.tantivy.ms)") ms; the static site's index is made inside \`build\` (not timed apart), $(awk -v b="$(v $n.index.bytes)" 'BEGIN {printf "%.1f MB", b/1e6}') | pagefind on Hugo's output | $(v $n.pagefind.s) s, $(v $n.pagefind.rss) MiB, index $(awk -v b="$(v $n.pagefind.bytes)" 'BEGIN {printf "%.1f MB", b/1e6}') | tantivy $(div "$(awk -v m="$(v $n.tantivy.ms)" 'BEGIN {print m/1000}')" "$(v $n.pagefind.s)") |"
    if [ -n "$(v $n.search.p99)" ]; then
      echo "| search latency, 200 queries over HTTP (loopback) | p50 $(v $n.search.p50) ms, p99 $(v $n.search.p99) ms | SQLite FTS5 (in process, index built in $(v $n.fts5.build) s) | p50 $(v $n.fts5.p50) ms, p99 $(v $n.fts5.p99) ms | p99 $(div "$(v $n.search.p99)" "$(v $n.fts5.p99)") |"
    else
      echo "| search latency, 200 queries | $(or_na "$(v $n.search.note)" "$(why_not $n)") | SQLite FTS5 (in process, index built in $(v $n.fts5.build) s) | p50 $(v $n.fts5.p50) ms, p99 $(v $n.fts5.p99) ms | |"
    fi
    if [ -n "$(v $n.serve.rps)" ]; then
      echo "| \`serve\` entry page ($(v $n.page.bytes) bytes), \`wrk -t2 -c64 -d15s\` | $(v $n.serve.rps) req/s, p99 $(v $n.serve.p99) ms (server peak RSS $(v $n.serve.rss) MiB) | nginx, same page from the built site | $(v $n.nginx.rps) req/s, p99 $(v $n.nginx.p99) ms | $(div "$(v $n.serve.rps)" "$(v $n.nginx.rps)") |"
      echo "| the same, \`Accept-Encoding: gzip\` | $(v $n.serve.gz.rps) req/s, p99 $(v $n.serve.gz.p99) ms | nginx, gzip level 1 on the fly | $(v $n.nginx.gz.rps) req/s, p99 $(v $n.nginx.gz.p99) ms | $(div "$(v $n.serve.gz.rps)" "$(v $n.nginx.gz.rps)") |"
    else
      echo "| \`serve\` entry page, \`wrk -t2 -c64 -d15s\` | $(why_not $n) | nginx, same page from the built site | $(v $n.nginx.rps) req/s, p99 $(v $n.nginx.p99) ms | |"
      echo "| the same, \`Accept-Encoding: gzip\` | $(why_not $n) | nginx, gzip level 1 on the fly | $(v $n.nginx.gz.rps) req/s | |"
    fi
  done
  if [ "$smoke" = 0 ]; then
    last=${sizes##*,}
    met() { if [ "$1" = 1 ]; then echo "**met**"; else echo "**missed**"; fi; }
    cmp() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && b != "" && a + 0 <= b + 0) }' && echo 1 || echo 0; }
    echo
    echo "## Targets (issue 6), at $last entries"
    echo
    echo "| target | measured | |"
    echo "|---|---|---|"
    echo "| full build at least as fast as Hugo's | $(v $last.build.s) s vs $(v $last.hugo.s) s | $(met "$(cmp "$(v $last.build.s)" "$(v $last.hugo.s)")") |"
    if [ -n "$(v $last.watch.ms)" ]; then
      echo "| rebuild after one changed entry under 100 ms | serve: $(v $last.watch.logged) ms reload ($(v $last.watch.ms) ms save → served); build: $(v $last.rebuild.s) s | $(met "$(cmp "$(v $last.watch.logged)" 100)") |"
    else
      echo "| rebuild after one changed entry under 100 ms | build: $(v $last.rebuild.s) s (no cache); serve: $(why_not $last) | **missed** |"
    fi
    if [ -n "$(v $last.search.p99)" ]; then
      echo "| search p99 under 5 ms | $(v $last.search.p99) ms | $(met "$(cmp "$(v $last.search.p99)" 5)") |"
    else
      echo "| search p99 under 5 ms | $(or_na "$(v $last.search.note)" "$(why_not $last)") | not measured |"
    fi
    tenth=$(awk -v p="$(v $last.pagefind.s)" 'BEGIN {print p/10}')
    tantivy_s=$(awk -v m="$(v $last.tantivy.ms)" 'BEGIN { if (m != "") print m/1000 }')
    echo "| search index built in under a tenth of pagefind's time ($tenth s) | server index (tantivy): $(or_na "$tantivy_s") s | $(met "$(cmp "$tantivy_s" "$tenth")") |"
    if [ -n "$(v $last.serve.rps)" ]; then
      seventy=$(awk -v r="$(v $last.nginx.rps)" 'BEGIN {printf "%.0f", r*0.7}')
      five=$(awk -v r="$(v $last.nginx.gz.rps)" 'BEGIN {printf "%.0f", r*5}')
      echo "| serve at least 70% of nginx's req/s, plain ($seventy) | $(v $last.serve.rps) | $(met "$(cmp "$seventy" "$(v $last.serve.rps)")") |"
      echo "| serve with gzip at least 5 × nginx gzip level 1 ($five) | $(v $last.serve.gz.rps) | $(met "$(cmp "$five" "$(v $last.serve.gz.rps)")") |"
    else
      echo "| serve at least 70% of nginx's req/s, and 5 × with gzip | $(why_not $last) | not measured |"
    fi
    echo "| peak RSS of the build under 1 GiB | $(v $last.build.rss) MiB | $(met "$(cmp "$(v $last.build.rss)" 1024)") |"
  fi
} >"$out.tmp"
if [ -f "$root/bench/PROFILE.md" ] && [ "$smoke" = 0 ]; then
  { echo; cat "$root/bench/PROFILE.md"; } >>"$out.tmp"
fi
mv "$out.tmp" "$out"
log "wrote $out"
if [ "$smoke" = 1 ]; then cat "$out"; fi
