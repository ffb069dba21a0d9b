/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * eseal_tlsign: signs an ETSI TS 119 612 trusted list for the tests, as a
 * scheme operator does: an enveloped XML signature (exclusive c14n,
 * RSA-SHA256) whose reference is the whole document (URI "") or, with
 * --id-ref, the root's Id attribute.
 */
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/valid.h>
#include <xmlsec/crypto.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>

static int
tlsign(const char *key, const char *cert, const char *in, const char *out, int idref)
{
	xmlNodePtr root, sig, ref, ki, xd;
	xmlSecDSigCtxPtr dc = NULL;
	char uri[160] = "";
	xmlDocPtr doc;
	xmlAttrPtr id;
	int rv = -1;

	if ((doc = xmlReadFile(in, NULL, XML_PARSE_NONET)) == NULL ||
		(root = xmlDocGetRootElement(doc)) == NULL) {
		fprintf(stderr, "eseal_tlsign: %s: not XML\n", in);
		return (-1);
	}
	if (idref) {
		if ((id = xmlHasProp(root, BAD_CAST "Id")) == NULL) {
			fprintf(stderr, "eseal_tlsign: %s: the root has no Id\n", in);
			goto out;
		}
		xmlChar *v = xmlNodeListGetString(doc, id->children, 1);

		xmlAddID(NULL, doc, v, id);
		snprintf(uri, sizeof(uri), "#%s", (const char *)v);
		xmlFree(v);
	}
	sig = xmlSecTmplSignatureCreate(
		doc, xmlSecTransformExclC14NId, xmlSecTransformRsaSha256Id, NULL);
	xmlAddChild(root, sig);
	ref = xmlSecTmplSignatureAddReference(
		sig, xmlSecTransformSha256Id, NULL, BAD_CAST uri, NULL);
	xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId);
	xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId);
	ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
	xd = xmlSecTmplKeyInfoAddX509Data(ki);
	xmlSecTmplX509DataAddCertificate(xd);
	if ((dc = xmlSecDSigCtxCreate(NULL)) == NULL)
		goto out;
	dc->signKey = xmlSecCryptoAppKeyLoad(key, xmlSecKeyDataFormatPem, NULL, NULL, NULL);
	if (dc->signKey == NULL ||
		xmlSecCryptoAppKeyCertLoad(dc->signKey, cert, xmlSecKeyDataFormatPem) < 0) {
		fprintf(stderr, "eseal_tlsign: cannot load %s / %s\n", key, cert);
		goto out;
	}
	if (xmlSecDSigCtxSign(dc, sig) < 0) {
		fprintf(stderr, "eseal_tlsign: signing failed\n");
		goto out;
	}
	rv = xmlSaveFile(out, doc) < 0 ? -1 : 0;
out:
	if (dc != NULL)
		xmlSecDSigCtxDestroy(dc);
	xmlFreeDoc(doc);
	return (rv);
}

int
main(int argc, char **argv)
{
	int idref = argc == 6 && strcmp(argv[5], "--id-ref") == 0;
	int rv;

	if (argc != 5 && !idref) {
		fprintf(stderr, "Usage: eseal_tlsign KEY.pem CERT.pem IN.xml OUT.xml [--id-ref]\n"
				"Signs a trusted list (enveloped XML signature) for the tests.\n");
		return (2);
	}
	xmlInitParser();
	if (xmlSecInit() < 0 || xmlSecCryptoAppInit(NULL) < 0 || xmlSecCryptoInit() < 0) {
		fprintf(stderr, "eseal_tlsign: xmlsec initialisation failed\n");
		return (1);
	}
	rv = tlsign(argv[1], argv[2], argv[3], argv[4], idref);
	xmlSecCryptoShutdown();
	xmlSecCryptoAppShutdown();
	xmlSecShutdown();
	xmlCleanupParser();
	return (rv == 0 ? 0 : 1);
}
