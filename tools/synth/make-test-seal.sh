#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Makes the fixed test e-seal that mamori-synth signs its uploaded documents
# with (synth_seal_key.h): an RSA-2048 key, whose PKCS#1 v1.5 signatures are
# deterministic, and a self-signed organisational certificate.  It is a test
# identity for exercises, trusted by nothing.  Run once; the output is kept.
set -eu
out=${1:-synth_seal_key.h}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/key.pem" 2>/dev/null
openssl req -new -x509 -key "$dir/key.pem" -out "$dir/cert.pem" -sha256 \
	-days 3650 -set_serial 1 \
	-subj "/C=JP/O=Mamori Exercise Organisation/organizationIdentifier=NTRJP-0000000000000/CN=Mamori Exercise e-Seal (test only)" \
	-addext "keyUsage=critical,digitalSignature,nonRepudiation" 2>/dev/null
{
	echo "/* SPDX-License-Identifier: BSD-3-Clause */"
	echo "/* The test e-seal of synthetic uploads, made by make-test-seal.sh: trusted by nothing. */"
	echo "#ifndef SYNTH_SEAL_KEY_H"
	echo "#define SYNTH_SEAL_KEY_H"
	echo
	echo "static const char synth_seal_key_pem[] ="
	sed 's/^/	"/; s/$/\\n"/' "$dir/key.pem"
	echo "	;"
	echo
	echo "static const char synth_seal_cert_pem[] ="
	sed 's/^/	"/; s/$/\\n"/' "$dir/cert.pem"
	echo "	;"
	echo
	echo "#endif /* SYNTH_SEAL_KEY_H */"
} >"$out"
