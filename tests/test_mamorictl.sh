#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# mamorictl end to end, in a state directory made here: key init and its file
# modes, sign and verify (then a changed file, an altered .sig and another
# key must fail with exit 1 and say why), audit verify (then an edited, a
# removed and a torn entry must fail with exit 1 naming the line), key
# rotation, help and usage errors.  Last, the third-party recipes in
# docs/audit.md (python3 + openssl, and sh + jq + b2sum + openssl) must accept
# what mamorictl wrote and reject what it rejects; that part is skipped, saying
# so, when one of those tools is missing.
#
# Ends with "N passed, N failed"; exits 77 when mamorictl is not built.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${MAMORI_SRC:-$(dirname "$HERE")}
BUILD=${MAMORI_BUILD:-$SRC/build}
CTL=${MAMORICTL:-$BUILD/tools/mamorictl/mamorictl}
DOC=$SRC/docs/audit.md

PASS=0
FAIL=0

if [ ! -x "$CTL" ]; then
	echo "mamorictl not built at $CTL: skipping"
	echo "0 passed, 0 failed"
	exit 77
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/test_mamorictl.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
ST=$TMP/state
OUT=$TMP/out
ERR=$TMP/err

ok() {
	PASS=$((PASS + 1))
	echo "ok   $1"
}

bad() {
	FAIL=$((FAIL + 1))
	echo "FAIL $1"
	echo "     stdout: $(head -c 600 "$OUT")"
	echo "     stderr: $(head -c 600 "$ERR")"
}

# expect STATUS NAME [PATTERN...] -- ARGS...: runs mamorictl ARGS; passes when it
# exits with STATUS and its stdout and stderr together match every PATTERN.
expect() {
	want=$1
	name=$2
	shift 2
	pats=""
	while [ "$1" != "--" ]; do
		pats="$pats
$1"
		shift
	done
	shift
	"$CTL" "$@" > "$OUT" 2> "$ERR"
	st=$?
	if [ "$st" -ne "$want" ]; then
		bad "$name (exit $st, expected $want)"
		return
	fi
	old_ifs=$IFS
	IFS='
'
	for p in $pats; do
		if ! cat "$OUT" "$ERR" | grep -q -- "$p"; then
			IFS=$old_ifs
			bad "$name (output lacks '$p')"
			return
		fi
	done
	IFS=$old_ifs
	ok "$name"
}

mode() {
	stat -c %a "$1"
}

# --- key ---------------------------------------------------------------------
expect 0 "key init creates the pair" "created key" -- key init --state-dir "$ST"
[ "$(mode "$ST/appliance.key")" = 600 ] && ok "appliance.key is mode 0600" ||
	bad "appliance.key is mode $(mode "$ST/appliance.key"), expected 600"
[ "$(mode "$ST/appliance.pub")" = 644 ] && ok "appliance.pub is mode 0644" ||
	bad "appliance.pub is mode $(mode "$ST/appliance.pub"), expected 644"
expect 0 "key init again changes nothing" "already in" -- --state-dir "$ST" key init
FPR=$("$CTL" --state-dir "$ST" --json key show | sed -n 's/.*"fingerprint":"\([0-9a-f]*\)".*/\1/p')
[ ${#FPR} -eq 32 ] && ok "key show --json gives a 32-digit fingerprint" ||
	bad "key show --json fingerprint '$FPR'"
expect 0 "key show prints the public key" "public key   $(cat "$ST/appliance.pub")" -- \
	key show --state-dir "$ST"
chmod 0644 "$ST/appliance.key"
expect 3 "a readable secret key is refused" "mode 0644" "expected 0600" -- \
	sign --state-dir "$ST" "$ST/appliance.pub"
chmod 0600 "$ST/appliance.key"

# --- sign / verify -----------------------------------------------------------
# A name with a space, quotes and UTF-8: the audit entry's canonical bytes must escape it right.
F="$TMP/通知 \"list\".csv"
printf 'subscriber,reason\n10.0.0.7,mirai scan\n' > "$F"
expect 0 "sign writes FILE.sig" "signed" "audit seq 3" -- --state-dir "$ST" sign "$F"
[ -s "$F.sig" ] && ok ".sig written" || bad ".sig missing"
expect 0 "verify accepts the signed file" "valid signature by key $FPR" "trusted key" -- \
	--state-dir "$ST" verify "$F"
cp "$F" "$TMP/orig.csv"
cp "$F.sig" "$TMP/orig.csv.sig"
printf '10.0.0.8,none\n' >> "$F"
expect 1 "verify rejects a changed file" "content-changed" "does not match its signature" -- \
	--state-dir "$ST" verify "$F"
cp "$TMP/orig.csv" "$F"
sed -i 's/"signed_at":"2/"signed_at":"1/' "$F.sig"
expect 1 "verify rejects an altered .sig" "bad-signature" -- --state-dir "$ST" verify "$F"
cp "$TMP/orig.csv.sig" "$F.sig"
expect 0 "verify --json" '"valid":true' '"trusted":true' -- --state-dir "$ST" --json verify "$F"
"$CTL" key init --state-dir "$TMP/other" > /dev/null 2>&1
expect 1 "verify rejects another key" "untrusted" "not by the trusted key" -- \
	verify --key "$TMP/other/appliance.pub" "$F" --state-dir "$ST"
expect 0 "verify without a trusted key warns" "origin not established" -- \
	--state-dir "$TMP/nokeys" verify "$F"
expect 3 "verify of a file without .sig" "cannot read" -- --state-dir "$ST" verify "$TMP/none"

# --- audit -------------------------------------------------------------------
LOG=$ST/audit.log
expect 0 "audit verify accepts the log" "valid: 3 entries" "chain trusted" -- \
	--state-dir "$ST" audit verify
expect 0 "audit show lists the export" "export.sign" "key.create" -- --state-dir "$ST" audit show
expect 0 "audit show --json" '"action":"export.sign"' -- --state-dir "$ST" audit show --json
cp "$LOG" "$TMP/edited.log"
sed -i '3s/"size":[0-9]*/"size":1/' "$TMP/edited.log"
expect 1 "audit verify names an edited entry" "line 3 (seq 3): edited" -- \
	--state-dir "$ST" audit verify --log "$TMP/edited.log"
expect 1 "audit verify --json on an edited entry" '"valid":false' '"fault":"edited"' '"line":3' \
	-- --state-dir "$ST" --json audit verify --log "$TMP/edited.log"
sed '2d' "$LOG" > "$TMP/removed.log"
expect 1 "audit verify names a removed entry" "line 2 (seq 3): removed" -- \
	--state-dir "$ST" audit verify --log "$TMP/removed.log"
for n in 1 3 2; do sed -n "${n}p" "$LOG"; done > "$TMP/swapped.log"
expect 1 "audit verify names reordered entries" "line 2 (seq 3): reordered" -- \
	--state-dir "$ST" audit verify --log "$TMP/swapped.log"
head -c $(($(wc -c < "$LOG") - 40)) "$LOG" > "$TMP/torn.log"
expect 1 "audit verify reports a torn last line" "line 3: torn" -- \
	--state-dir "$ST" audit verify --log "$TMP/torn.log"
expect 1 "audit verify against another key" "untrusted" -- \
	--state-dir "$ST" audit verify --key "$TMP/other/appliance.pub"
expect 3 "audit verify of a missing log" "cannot open" -- \
	--state-dir "$ST" audit verify --log "$TMP/none.log"

# --- rotation ----------------------------------------------------------------
cp "$ST/appliance.pub" "$TMP/old.pub"
expect 0 "key rotate" "rotated key $FPR" -- --state-dir "$ST" key rotate
expect 0 "audit verify follows the rotation (old key)" "valid: 5 entries, 2 key(s)" -- \
	--state-dir "$ST" audit verify --key "$TMP/old.pub"
expect 0 "audit verify follows the rotation (new key)" "valid: 5 entries" -- \
	--state-dir "$ST" audit verify
expect 0 "files signed before the rotation still verify" "archived by a rotation" -- \
	--state-dir "$ST" verify "$F"
expect 0 "sign with the new key" "audit seq 6" -- --state-dir "$ST" sign "$TMP/orig.csv"
expect 0 "key show lists the archived key" "archived     $FPR" -- --state-dir "$ST" key show

# --- help and usage ------------------------------------------------------------
expect 0 "--help lists the commands" "audit" "verify" "Exit status" -- --help
expect 0 "help audit" "audit verify" "--key PUBFILE" "Exit status" -- help audit
expect 0 "audit verify --help" "Subcommands" -- audit verify --help
expect 0 "--version" "mamorictl (Mamori)" -- --version
expect 2 "unknown command" "no command 'frobnicate'" -- frobnicate
expect 2 "unknown option" "unknown option '--nope'" "mamorictl help audit" -- audit verify --nope
expect 2 "option without its value" "needs a value" -- audit verify --log
expect 2 "no command" "Usage" --
expect 2 "sign without a file" "no FILE" -- sign --state-dir "$ST"

# --- the third-party recipes in docs/audit.md -----------------------------------
recipe() { # recipe NAME FENCE: the code block after the docs' marker for NAME
	awk -v m="<!-- tested by tests/test_mamorictl.sh: $1 -->" -v fence="$2" '
		$0 == m { f = 1; next }
		f && $0 == "```" fence { g = 1; next }
		g && $0 == "```" { exit }
		g { print }' "$DOC"
}
missing=""
for tool in python3 openssl jq xxd b2sum; do
	command -v "$tool" > /dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	echo "third-party recipes: no$missing: skipping"
elif ! openssl version | grep -q '^OpenSSL 3'; then
	echo "third-party recipes: $(openssl version) cannot verify raw Ed25519: skipping"
else
	recipe audit_check.py python > "$TMP/audit_check.py"
	recipe sig_check.sh sh > "$TMP/sig_check.sh"
	if python3 "$TMP/audit_check.py" "$LOG" "$(cat "$TMP/old.pub")" > "$OUT" 2> "$ERR" &&
		grep -q "6 entries intact" "$OUT"; then
		ok "docs' python recipe accepts the log across the rotation"
	else
		bad "docs' python recipe on the log"
	fi
	for t in edited removed swapped torn; do
		if python3 "$TMP/audit_check.py" "$TMP/$t.log" > "$OUT" 2> "$ERR"; then
			bad "docs' python recipe accepted the $t log"
		else
			ok "docs' python recipe rejects the $t log"
		fi
	done
	if sh "$TMP/sig_check.sh" "$F" "$TMP/old.pub" > "$OUT" 2> "$ERR"; then
		ok "docs' sh recipe accepts the signed file"
	else
		bad "docs' sh recipe on the signed file"
	fi
	sed -i 's/"signed_at":"2/"signed_at":"1/' "$F.sig"
	if sh "$TMP/sig_check.sh" "$F" "$TMP/old.pub" > "$OUT" 2> "$ERR"; then
		bad "docs' sh recipe accepted an altered .sig"
	else
		ok "docs' sh recipe rejects an altered .sig"
	fi
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
