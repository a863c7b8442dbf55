#!/usr/bin/env bash
# peers.sh runs one short command (hostname) on N emulated SSH hosts of
# the patchbay lab with four tools, on the same hosts, and prints the wall
# time and peak resident set of each:
#
#   patchbay   patchbay run of a one-step shell playbook, journal on
#   ansible    Ansible's raw module, forks = N (Debian's ansible-core)
#   pssh       parallel-ssh, parallelism = N (Debian's pssh)
#   floor      bench/floor, a bare golang.org/x/crypto/ssh fan-out
#
# It also runs bench/idlemem, which measures patchbay's memory per
# connected idle host.
#
# Usage: bench/peers.sh [N ...]        (default: 50 200 500)
# Environment:
#   ROUNDS=3          runs per tool and host count; the median is reported
#   BENCH_USER=pbbench  the ordinary user the tools run as when started as
#                     root (created with a plain /bin/sh shell if missing)
#   ADDRESS_BASE=127.96.0.0  first address of the lab's block
#   KEEP=1            keep the work folder with every log
#
# Everything binds and dials 127.0.0.0/8 only. The script stops every
# process it started when it exits, however it exits. As root it installs
# ansible-core and pssh with apt when they are missing.
set -euo pipefail

rounds=${ROUNDS:-3}
bench_user=${BENCH_USER:-pbbench}
address_base=${ADDRESS_BASE:-127.96.0.0}
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(50 200 500)

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/patchbay-bench.XXXXXX)
chmod 755 "$work"
lab_pid=""

cleanup() {
	if [ -n "$lab_pid" ]; then
		kill "$lab_pid" 2>/dev/null || true
		wait_gone "$lab_pid"
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		echo "work folder kept: $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

# wait_gone waits up to 10 s for process $1 to end.
wait_gone() {
	for _ in $(seq 100); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "process $1 did not stop" >&2
}

die() {
	echo "peers.sh: $*" >&2
	exit 1
}

install_peers() {
	command -v ansible >/dev/null && command -v parallel-ssh >/dev/null && return
	[ "$(id -u)" = 0 ] || die "ansible-core and pssh are missing; install them as root: apt-get install -y --no-install-recommends ansible-core pssh"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ansible-core pssh >"$work/apt.log" 2>&1 ||
		{ apt-get update >>"$work/apt.log" 2>&1 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ansible-core pssh >>"$work/apt.log" 2>&1; } ||
		die "apt-get failed; see $work/apt.log"
}

# as_user runs a command as the ordinary benchmark user, with a home in
# the work folder and a raised open-file limit.
as_user() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u "$bench_user" -- env HOME="$work/home" PATH="$PATH" bash -c 'ulimit -n 16384 2>/dev/null || true; exec "$@"' as_user "$@"
	else
		env HOME="$work/home" bash -c 'ulimit -n 16384 2>/dev/null || true; exec "$@"' as_user "$@"
	fi
}

prepare_user() {
	if [ "$(id -u)" = 0 ]; then
		id "$bench_user" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh "$bench_user"
		chown "$bench_user" "$work"
	fi
	as_user mkdir -p "$work/home" "$work/bin"
}

build() {
	(cd "$repo" && go build -o "$work/bin/" . ./bench/floor ./bench/idlemem) || die "go build failed"
	chmod 755 "$work/bin"/*
}

# start_lab serves the example fleet plus $1 extra Linux hosts and waits
# until it listens.
start_lab() {
	local n=$1 dir="$work/lab-$1"
	as_user bash -c 'echo $$ >"$1"; exec "$2" lab --serve --hosts "$3" --dir "$4" --address-base "$5"' start_lab \
		"$work/lab.pid" "$work/bin/patchbay" "$n" "$dir" "$address_base" >"$work/lab-$n.log" 2>&1 &
	for _ in $(seq 600); do
		grep -q "Serving until interrupted" "$work/lab-$n.log" 2>/dev/null && break
		sleep 0.1
	done
	lab_pid=$(cat "$work/lab.pid")
	grep -q "Serving until interrupted" "$work/lab-$n.log" || die "the lab did not start; see $work/lab-$n.log"
}

stop_lab() {
	kill "$lab_pid"
	wait_gone "$lab_pid"
	lab_pid=""
}

# write_targets writes, from the lab's inventory, the host lists of every
# tool for the extra hosts, and bench-inventory.yaml: the lab inventory
# without the example sites' own concurrency, so that --site-concurrency
# applies to every site.
write_targets() {
	local dir=$1
	as_user python3 - "$dir" <<'PY'
import ipaddress, sys, yaml
d = sys.argv[1]
with open(f"{d}/inventory.yaml") as f:
    inv = yaml.safe_load(f)
hosts = []
for site in inv.get("sites", []):
    site.pop("concurrency", None)
    for h in site.get("hosts", []):
        if "lab-extra" in (h.get("tags") or []):
            if not ipaddress.ip_address(h["address"]).is_loopback:
                sys.exit(f"host {h['name']} is not on loopback: {h['address']}")
            hosts.append((h["name"], h["address"], h["transport"]["port"]))
with open(f"{d}/bench-inventory.yaml", "w") as f:
    yaml.safe_dump(inv, f, sort_keys=False)
with open(f"{d}/floor-hosts.txt", "w") as f:
    f.writelines(f"{n} {a} {p}\n" for n, a, p in hosts)
with open(f"{d}/pssh-hosts.txt", "w") as f:
    f.writelines(f"{a}:{p}\n" for n, a, p in hosts)
with open(f"{d}/ansible-hosts.ini", "w") as f:
    f.write("[lab]\n")
    f.writelines(f"{n} ansible_host={a} ansible_port={p}\n" for n, a, p in hosts)
PY
}

# ssh_options are the OpenSSH options of Ansible and parallel-ssh: the
# lab's client key, strict checking against the lab's known_hosts.
ssh_options() {
	local dir=$1
	echo "-F /dev/null -o IdentityFile=$dir/credentials/id_ed25519 -o IdentitiesOnly=yes -o UserKnownHostsFile=$dir/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=60"
}

# run_tool runs tool $1 against $2 hosts once and sets result_ms to its
# wall time and result_kib to its peak resident set.
run_tool() {
	local tool=$1 n=$2 round=$3 dir="$work/lab-$2" out="$work/$1-$2-$3"
	local cmd=()
	case $tool in
	patchbay)
		cmd=("$work/bin/patchbay" --inventory "$dir/bench-inventory.yaml" --state "$out.state"
			run bench-hostname --playbooks "$repo/bench/playbooks" --tag lab-extra --yes
			--concurrency "$n" --site-concurrency "$n" --override-gate --reason "peer benchmark")
		;;
	ansible)
		cmd=(env ANSIBLE_HOME="$work/home/.ansible" ANSIBLE_LOCAL_TEMP="$work/home/.ansible/tmp"
			ANSIBLE_SSH_ARGS="-C -o ControlMaster=auto -o ControlPersist=no"
			ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_GATHERING=explicit
			ansible lab -i "$dir/ansible-hosts.ini" -u patchbay -m raw -a hostname -f "$n"
			--ssh-common-args "$(ssh_options "$dir")")
		;;
	pssh)
		cmd=(parallel-ssh -h "$dir/pssh-hosts.txt" -l patchbay -p "$n" -t 600 -i
			-x "$(ssh_options "$dir")" hostname)
		;;
	floor)
		cmd=("$work/bin/floor" -hosts "$dir/floor-hosts.txt" -known-hosts "$dir/known_hosts"
			-password-file "$dir/credentials/ssh-password" -command hostname)
		;;
	esac

	local start end
	start=$(date +%s%N)
	as_user /usr/bin/time -f "%M" -o "$out.rss" "${cmd[@]}" >"$out.stdout" 2>"$out.stderr" ||
		die "$tool on $n hosts failed; see $out.stdout and $out.stderr"
	end=$(date +%s%N)

	check_output "$tool" "$n" "$out"
	result_ms=$(((end - start) / 1000000))
	result_kib=$(tail -1 "$out.rss")
}

# check_output fails unless every host ran the command: patchbay reports
# each host done on standard error, the others print each host's name
# (Ansible's raw module with a terminal's CRLF).
check_output() {
	local tool=$1 n=$2 out=$3 got
	case $tool in
	patchbay) got=$(grep -c -- "-lab-[0-9]* *done\$" "$out.stderr" || true) ;;
	*) got=$(tr -d '\r' <"$out.stdout" | grep -cx -- "[a-z]*-lab-[0-9]*\|[a-z]*-lab-[0-9]*: [a-z]*-lab-[0-9]*" || true) ;;
	esac
	[ "$got" -ge "$n" ] || die "$tool reported $got of $n hosts; see $out.stdout and $out.stderr"
}

median() {
	sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
}

bench_count() {
	local n=$1
	start_lab "$n"
	write_targets "$work/lab-$n"
	for tool in patchbay ansible pssh floor; do
		local times=() rss=() load
		load=$(cut -d' ' -f1-3 /proc/loadavg)
		for round in $(seq "$rounds"); do
			run_tool "$tool" "$n" "$round"
			times+=("$result_ms")
			rss+=("$result_kib")
		done
		printf '%-4s %-9s %8.2f s  %8.1f MiB  runs: %s ms  load before: %s\n' "$n" "$tool" \
			"$(printf '%s\n' "${times[@]}" | median | awk '{print $1/1000}')" \
			"$(printf '%s\n' "${rss[@]}" | median | awk '{print $1/1024}')" "${times[*]}" "$load"
	done
	echo "$n idlemem: $(as_user "$work/bin/idlemem" -inventory "$work/lab-$n/bench-inventory.yaml" | tr '\n' ';')"
	stop_lab
}

install_peers
prepare_user
build
echo "# $(date -u +%FT%TZ) $(uname -srm), $(nproc) cores, $(ansible --version 2>/dev/null | sed -n 1p), parallel-ssh $(parallel-ssh --version 2>&1), $(go version | cut -d' ' -f3)"
echo "# hosts tool  median-wall  median-peak-RSS  runs  load-average(1,5,15)"
for n in "${counts[@]}"; do
	bench_count "$n"
done
