/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Trusted lists: libxml2 for the tree, xmlsec for the XML signature.
 *
 * Signature wrapping is defeated by construction: the list must have exactly
 * one ds:Signature, a direct child of the TrustServiceStatusList root; one of
 * its verified references must cover the whole document (URI "" or the root's
 * Id); Id attributes are registered explicitly and a duplicate refuses the
 * list; remote references and DTDs are refused; and the services are read
 * from that same verified root, never looked up by Id or XPath.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/valid.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>

#include "es_policy.h"
#include "es_tl.h"

#define ES_TSL_NS  "http://uri.etsi.org/02231/v2#"
#define ES_DSIG_NS "http://www.w3.org/2000/09/xmldsig#"
#define ES_SVCTYPE "/Svctype/"
#define ES_SVCSTAT "/Svcstatus/"

static pthread_once_t es_tl_once = PTHREAD_ONCE_INIT;
static int es_tl_ready;
static __thread char es_tl_lasterr[160];

static void
es_tl_errcb(const char *file, int line, const char *func, const char *obj, const char *subj,
	int reason, const char *msg)
{
	(void)file;
	(void)line;
	(void)obj;
	snprintf(es_tl_lasterr, sizeof(es_tl_lasterr), "%s: %s%s%s (%d)", func,
		subj != NULL ? subj : "", subj != NULL ? ": " : "", msg != NULL ? msg : "", reason);
}

static void
es_tl_init(void)
{
	xmlInitParser();
	if (xmlSecInit() < 0 || xmlSecCheckVersion() != 1)
		return;
	if (xmlSecCryptoAppInit(NULL) < 0 || xmlSecCryptoInit() < 0)
		return;
	/* After the crypto library, which installs a callback of its own. */
	xmlSecErrorsSetCallback(es_tl_errcb);
	es_tl_ready = 1;
}

static bool
es_is(const xmlNode *n, const char *ns, const char *name)
{
	return (n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
		strcmp((const char *)n->ns->href, ns) == 0 &&
		strcmp((const char *)n->name, name) == 0);
}

static xmlNode *
es_child(const xmlNode *n, const char *name)
{
	for (xmlNode *c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
		if (es_is(c, ES_TSL_NS, name))
			return (c);
	return (NULL);
}

/* The text of an element, trimmed, into buf. */
static void
es_text(const xmlNode *n, char *buf, size_t len)
{
	xmlChar *s = n != NULL ? xmlNodeGetContent(n) : NULL;
	const char *b = (const char *)s;
	size_t l;

	buf[0] = '\0';
	if (s == NULL)
		return;
	while (*b == ' ' || *b == '\n' || *b == '\r' || *b == '\t')
		b++;
	snprintf(buf, len, "%s", b);
	l = strlen(buf);
	while (l > 0 && (buf[l - 1] == ' ' || buf[l - 1] == '\n' || buf[l - 1] == '\r' ||
				buf[l - 1] == '\t'))
		buf[--l] = '\0';
	xmlFree(s);
}

/* Counts ds:Signature elements and registers every Id attribute; -1 on a duplicate Id. */
static int
es_tl_scan(xmlDoc *doc, xmlNode *n, int *sigs, char *err, size_t errlen)
{
	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (es_is(n, ES_DSIG_NS, "Signature"))
			(*sigs)++;
		for (xmlAttr *a = n->properties; a != NULL; a = a->next) {
			xmlChar *v;

			if (a->ns != NULL || strcmp((const char *)a->name, "Id") != 0)
				continue;
			if ((v = xmlNodeListGetString(doc, a->children, 1)) == NULL)
				continue;
			if (xmlGetID(doc, v) != NULL) {
				snprintf(err, errlen,
					"duplicate Id \"%.64s\" (a wrapping attempt?)",
					(const char *)v);
				xmlFree(v);
				return (-1);
			}
			xmlAddID(NULL, doc, v, a);
			xmlFree(v);
		}
		if (es_tl_scan(doc, n->children, sigs, err, errlen) < 0)
			return (-1);
	}
	return (0);
}

static bool
es_tl_covers_root(xmlSecDSigCtxPtr dc, const xmlNode *root)
{
	xmlChar *rid = xmlGetProp(root, BAD_CAST "Id");
	char want[160] = "";
	bool ok = false;

	if (rid != NULL)
		snprintf(want, sizeof(want), "#%s", (const char *)rid);
	xmlFree(rid);
	for (xmlSecSize i = 0; i < xmlSecPtrListGetSize(&dc->signedInfoReferences); i++) {
		xmlSecDSigReferenceCtxPtr ref = xmlSecPtrListGetItem(&dc->signedInfoReferences, i);
		const char *uri;

		if (ref == NULL || ref->status != xmlSecDSigStatusSucceeded)
			continue;
		uri = ref->uri != NULL ? (const char *)ref->uri : "";
		if (uri[0] == '\0' || (want[0] != '\0' && strcmp(uri, want) == 0))
			ok = true;
	}
	return (ok);
}

static int
es_tl_verify(xmlDoc *doc, xmlNode *root, const char *signer, char *err, size_t errlen)
{
	xmlSecDSigCtxPtr dc;
	xmlNode *sig = NULL;
	xmlSecKeyPtr key;
	int sigs = 0, rv = -1;

	if (es_tl_scan(doc, root, &sigs, err, errlen) < 0)
		return (-1);
	for (xmlNode *c = root->children; c != NULL; c = c->next)
		if (es_is(c, ES_DSIG_NS, "Signature"))
			sig = c;
	if (sigs != 1 || sig == NULL) {
		snprintf(err, errlen,
			"%d ds:Signature elements, %s under the root: a trusted list has exactly "
			"one, enveloped in the list itself",
			sigs, sig != NULL ? "one" : "none");
		return (-1);
	}
	key = xmlSecCryptoAppKeyLoad(signer, xmlSecKeyDataFormatCertPem, NULL, NULL, NULL);
	if (key == NULL) {
		snprintf(err, errlen, "%s: cannot read the signer certificate (PEM): %.100s",
			signer, es_tl_lasterr);
		return (-1);
	}
	if ((dc = xmlSecDSigCtxCreate(NULL)) == NULL) {
		xmlSecKeyDestroy(key);
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	dc->signKey = key;
	dc->enabledReferenceUris = xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument;
	if (xmlSecDSigCtxVerify(dc, sig) < 0)
		snprintf(err, errlen, "the signature cannot be processed: %.120s", es_tl_lasterr);
	else if (dc->status != xmlSecDSigStatusSucceeded)
		snprintf(err, errlen,
			"the list's signature does not verify with %s: the list was altered or "
			"signed by another key",
			signer);
	else if (!es_tl_covers_root(dc, root))
		snprintf(err, errlen, "the signature does not cover the whole list");
	else
		rv = 0;
	xmlSecDSigCtxDestroy(dc);
	return (rv);
}

static X509 *
es_tl_cert(const xmlNode *n)
{
	xmlChar *s = xmlNodeGetContent(n);
	unsigned char *der;
	const unsigned char *q;
	size_t k = 0, len;
	char *b64;
	int dl;
	X509 *x = NULL;

	if (s == NULL)
		return (NULL);
	len = strlen((const char *)s);
	if ((b64 = malloc(len + 1)) == NULL || (der = malloc(len + 1)) == NULL) {
		free(b64);
		xmlFree(s);
		return (NULL);
	}
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
			b64[k++] = (char)s[i];
	b64[k] = '\0';
	dl = EVP_DecodeBlock(der, (const unsigned char *)b64, (int)k);
	if (dl > 0) {
		q = der;
		x = d2i_X509(NULL, &q, dl);
	}
	ERR_clear_error();
	free(der);
	free(b64);
	xmlFree(s);
	return (x);
}

static const char *
es_after(const char *s, const char *marker)
{
	const char *p = strstr(s, marker);

	if (p != NULL)
		return (p + strlen(marker));
	p = strrchr(s, '/');
	return (p != NULL ? p + 1 : s);
}

static bool
es_positive(const char *status)
{
	static const char *const ok[] = { "granted", "accredited", "undersupervision",
		"supervisionincessation", "recognisedatnationallevel", "setbynationallaw", NULL };

	for (int i = 0; ok[i] != NULL; i++)
		if (strcmp(status, ok[i]) == 0)
			return (true);
	return (false);
}

/* Qualifier URIs and AdditionalServiceInformation URIs, last segments. */
static void
es_tl_quals(const xmlNode *n, char *buf, size_t len)
{
	char v[256];
	size_t l;

	for (const xmlNode *c = n != NULL ? n->children : NULL; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		v[0] = '\0';
		if (strcmp((const char *)c->name, "Qualifier") == 0) {
			xmlChar *u = xmlGetProp(c, BAD_CAST "uri");

			if (u != NULL)
				snprintf(v, sizeof(v), "%s", (const char *)u);
			xmlFree(u);
		} else if (strcmp((const char *)c->name, "URI") == 0 && c->parent != NULL &&
			   strcmp((const char *)c->parent->name, "AdditionalServiceInformation") ==
				   0) {
			es_text(c, v, sizeof(v));
		}
		if (v[0] != '\0') {
			const char *seg = es_after(v, "/SvcInfoExt/");

			l = strlen(buf);
			if (strstr(buf, seg) == NULL && l + strlen(seg) + 2 < len)
				snprintf(buf + l, len - l, "%s%s", l > 0 ? " " : "", seg);
		}
		es_tl_quals(c, buf, len);
	}
}

struct es_status_at {
	int64_t sa_from;
	bool sa_positive;
};

static int
es_status_cmp(const void *a, const void *b)
{
	const struct es_status_at *x = a, *y = b;

	return (x->sa_from < y->sa_from ? -1 : x->sa_from > y->sa_from);
}

static void
es_tl_status(const xmlNode *n, struct es_status_at *sa)
{
	char v[256];

	es_text(es_child(n, "ServiceStatus"), v, sizeof(v));
	sa->sa_positive = es_positive(es_after(v, ES_SVCSTAT));
	es_text(es_child(n, "StatusStartingTime"), v, sizeof(v));
	if (es_parse_time(v, &sa->sa_from) != 0)
		sa->sa_from = INT64_MIN;
}

/*
 * When the service was in a positive status: its current status and its
 * ServiceHistory, each status lasting until the next one starts.  Returns
 * the number of windows (0: never trusted).
 */
static int
es_tl_windows(const xmlNode *svc, const xmlNode *si, struct es_anchor_info *ai)
{
	struct es_status_at sa[ES_ANCHOR_WINDOWS * 2];
	const xmlNode *hist = es_child(svc, "ServiceHistory");
	int n = 0;

	es_tl_status(si, &sa[n++]);
	for (const xmlNode *h = hist != NULL ? hist->children : NULL;
		h != NULL && n < ES_ANCHOR_WINDOWS * 2; h = h->next)
		if (es_is(h, ES_TSL_NS, "ServiceHistoryInstance"))
			es_tl_status(h, &sa[n++]);
	qsort(sa, (size_t)n, sizeof(sa[0]), es_status_cmp);
	ai->ai_nwindows = 0;
	for (int i = 0; i < n && ai->ai_nwindows < ES_ANCHOR_WINDOWS; i++) {
		struct es_window *w;

		if (!sa[i].sa_positive)
			continue;
		w = &ai->ai_windows[ai->ai_nwindows];
		/* Consecutive positive statuses make one window. */
		if (ai->ai_nwindows > 0 && w[-1].w_until == sa[i].sa_from) {
			w[-1].w_until = i + 1 < n ? sa[i + 1].sa_from : INT64_MAX;
			continue;
		}
		w->w_from = sa[i].sa_from;
		w->w_until = i + 1 < n ? sa[i + 1].sa_from : INT64_MAX;
		ai->ai_nwindows++;
	}
	return (ai->ai_nwindows);
}

static int
es_tl_service(struct es_trust *t, const char *file, const char *tsp, const xmlNode *svc)
{
	const xmlNode *si = es_child(svc, "ServiceInformation"), *sdi, *c;
	struct es_anchor_info ai;
	char v[256];
	int n = 0;
	X509 *x;

	if (si == NULL)
		return (0);
	memset(&ai, 0, sizeof(ai));
	snprintf(ai.ai_source, sizeof(ai.ai_source), "%s", file);
	snprintf(ai.ai_tsp, sizeof(ai.ai_tsp), "%s", tsp);
	es_text(es_child(si, "ServiceTypeIdentifier"), v, sizeof(v));
	snprintf(ai.ai_service_type, sizeof(ai.ai_service_type), "%.127s", es_after(v, ES_SVCTYPE));
	es_text(es_child(si, "ServiceStatus"), v, sizeof(v));
	snprintf(ai.ai_status, sizeof(ai.ai_status), "%.63s", es_after(v, ES_SVCSTAT));
	es_tl_quals(es_child(si, "AdditionalServiceInformation"), ai.ai_qualifiers,
		sizeof(ai.ai_qualifiers));
	es_tl_quals(es_child(si, "ServiceInformationExtensions"), ai.ai_qualifiers,
		sizeof(ai.ai_qualifiers));
	if (es_tl_windows(svc, si, &ai) == 0)
		return (0);
	if (strncmp(ai.ai_service_type, "CA/", 3) != 0 &&
		strncmp(ai.ai_service_type, "TSA", 3) != 0 &&
		strcmp(ai.ai_service_type, "NationalRootCA-QC") != 0)
		return (0);
	if ((sdi = es_child(si, "ServiceDigitalIdentity")) == NULL)
		return (0);
	for (c = sdi->children; c != NULL; c = c->next) {
		const xmlNode *cert;

		if (!es_is(c, ES_TSL_NS, "DigitalId") ||
			(cert = es_child(c, "X509Certificate")) == NULL)
			continue;
		if ((x = es_tl_cert(cert)) == NULL)
			continue;
		n += es_trust_add_anchor(t, x, &ai) > 0;
		X509_free(x);
	}
	return (n);
}

static int
es_tl_services(struct es_trust *t, const char *file, const xmlNode *root)
{
	const xmlNode *list = es_child(root, "TrustServiceProviderList"), *tsp, *svcs, *svc;
	char name[256];
	int n = 0;

	for (tsp = list != NULL ? list->children : NULL; tsp != NULL; tsp = tsp->next) {
		if (!es_is(tsp, ES_TSL_NS, "TrustServiceProvider"))
			continue;
		es_text(es_child(es_child(es_child(tsp, "TSPInformation"), "TSPName"), "Name"),
			name, sizeof(name));
		if ((svcs = es_child(tsp, "TSPServices")) == NULL)
			continue;
		for (svc = svcs->children; svc != NULL; svc = svc->next)
			if (es_is(svc, ES_TSL_NS, "TSPService"))
				n += es_tl_service(t, file, name, svc);
	}
	return (n);
}

static void
es_tl_info(struct es_list_info *li, const char *name, const char *ver, const xmlNode *root, int n)
{
	const xmlNode *si = es_child(root, "SchemeInformation");

	memset(li, 0, sizeof(*li));
	snprintf(li->li_file, sizeof(li->li_file), "%s", name);
	snprintf(li->li_version, sizeof(li->li_version), "%.7s", ver);
	es_text(es_child(si, "TSLSequenceNumber"), li->li_sequence, sizeof(li->li_sequence));
	es_text(es_child(si, "ListIssueDateTime"), li->li_issued, sizeof(li->li_issued));
	es_text(es_child(es_child(si, "NextUpdate"), "dateTime"), li->li_next_update,
		sizeof(li->li_next_update));
	li->li_anchors = n;
}

/* TS 119 612 v2.x: version 5; v2.4.1 (EU lists since 2026-04-28): version 6. */
static bool
es_tl_version(const xmlNode *root, char *ver, size_t len)
{
	es_text(es_child(es_child(root, "SchemeInformation"), "TSLVersionIdentifier"), ver, len);
	return (strcmp(ver, "5") == 0 || strcmp(ver, "6") == 0);
}

int
es_tl_load_mem(struct es_trust *t, const char *name, const uint8_t *xml, size_t len,
	const char *signer, char *err, size_t errlen)
{
	char why[200], ver[16];
	xmlNode *root;
	xmlDoc *doc;
	int rv = -1;

	pthread_once(&es_tl_once, es_tl_init);
	if (!es_tl_ready) {
		snprintf(err, errlen, "%s: xmlsec could not be initialised", name);
		return (-1);
	}
	if (len > ES_TL_MAX_BYTES) {
		snprintf(err, errlen, "%s: larger than %u MiB, not a trusted list", name,
			ES_TL_MAX_BYTES >> 20);
		return (-1);
	}
	doc = xmlReadMemory((const char *)xml, (int)len, name, NULL,
		XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
	if (doc == NULL) {
		snprintf(err, errlen, "%s: not well-formed XML", name);
		return (-1);
	}
	root = xmlDocGetRootElement(doc);
	if (doc->intSubset != NULL) {
		snprintf(err, errlen, "%s: a DOCTYPE is not allowed in a trusted list", name);
	} else if (!es_is(root, ES_TSL_NS, "TrustServiceStatusList")) {
		snprintf(err, errlen,
			"%s: the root is not an ETSI TS 119 612 "
			"TrustServiceStatusList",
			name);
	} else if (!es_tl_version(root, ver, sizeof(ver))) {
		snprintf(err, errlen,
			"%s: TSLVersionIdentifier \"%s\": only versions 5 and 6 are "
			"supported",
			name, ver);
	} else if (es_tl_verify(doc, root, signer, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", name, why);
	} else if (t->t_nlists >= ES_TRUST_LISTS_MAX) {
		snprintf(err, errlen, "%s: more than %d trusted lists", name, ES_TRUST_LISTS_MAX);
	} else {
		rv = es_tl_services(t, name, root);
		es_tl_info(&t->t_lists[t->t_nlists++], name, ver, root, rv);
	}
	xmlFreeDoc(doc);
	return (rv);
}

int
es_tl_load(struct es_trust *t, const char *file, const char *signer, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *buf;
	FILE *f;
	int rv;

	if ((f = fopen(file, "rb")) == NULL || fstat(fileno(f), &st) != 0) {
		snprintf(
			err, errlen, "%s: cannot open the trusted list: %s", file, strerror(errno));
		if (f != NULL)
			fclose(f);
		return (-1);
	}
	if ((size_t)st.st_size > ES_TL_MAX_BYTES) {
		fclose(f);
		snprintf(err, errlen, "%s: larger than %u MiB, not a trusted list", file,
			ES_TL_MAX_BYTES >> 20);
		return (-1);
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", file);
		return (-1);
	}
	if (fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		snprintf(err, errlen, "%s: read error", file);
		rv = -1;
	} else {
		rv = es_tl_load_mem(t, file, buf, (size_t)st.st_size, signer, err, errlen);
	}
	free(buf);
	fclose(f);
	return (rv);
}
