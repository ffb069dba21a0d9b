/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The plugin loader reads ELF itself for one reason: to judge a plugin before
 * the dynamic loader runs any of its code (constructors run at dlopen).  It
 * reads the section headers, the descriptor section and the dynamic symbol
 * table, with every offset checked against the file's size.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mamori/plugin_load.h"

/* The header fields the loader reads from the file, in descriptor order. */
struct plugin_hdr {
	uint32_t magic;
	uint32_t abi;
	uint32_t size;
	char name[MM_PLUGIN_NAME_MAX];
};

_Static_assert(offsetof(struct mm_plugin, pd_name) == offsetof(struct plugin_hdr, name),
	"the descriptor starts with the header the loader reads");

struct elf_file {
	const uint8_t *ef_map;
	size_t ef_size;
	const Elf64_Shdr *ef_shdr;
	unsigned ef_shnum;
};

static bool
span_ok(const struct elf_file *ef, uint64_t off, uint64_t len)
{
	return (off <= ef->ef_size && len <= ef->ef_size - off);
}

static const char *
section_name(const struct elf_file *ef, const Elf64_Ehdr *eh, const Elf64_Shdr *sh)
{
	const Elf64_Shdr *strtab;
	uint64_t off;

	if (eh->e_shstrndx >= ef->ef_shnum)
		return (NULL);
	strtab = &ef->ef_shdr[eh->e_shstrndx];
	off = strtab->sh_offset + sh->sh_name;
	if (sh->sh_name >= strtab->sh_size || !span_ok(ef, strtab->sh_offset, strtab->sh_size))
		return (NULL);
	/* The name must end within its string table. */
	if (memchr(ef->ef_map + off, '\0', strtab->sh_size - sh->sh_name) == NULL)
		return (NULL);
	return ((const char *)ef->ef_map + off);
}

static int
elf_parse(struct elf_file *ef, const char *path, char *err, size_t errlen)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)ef->ef_map;

	if (ef->ef_size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) {
		snprintf(err, errlen, "plugin %s: not an ELF shared object", path);
		return (-ENOEXEC);
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
		eh->e_type != ET_DYN || eh->e_machine != EM_X86_64) {
		snprintf(err, errlen,
			"plugin %s: not a 64-bit little-endian x86-64 shared object for this host",
			path);
		return (-ENOEXEC);
	}
	if (eh->e_shentsize != sizeof(Elf64_Shdr) ||
		!span_ok(ef, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr))) {
		snprintf(err, errlen, "plugin %s: section headers are damaged", path);
		return (-ENOEXEC);
	}
	ef->ef_shdr = (const Elf64_Shdr *)(ef->ef_map + eh->e_shoff);
	ef->ef_shnum = eh->e_shnum;
	return (0);
}

/* True when the dynamic symbol table defines name. */
static bool
elf_defines(const struct elf_file *ef, const char *name)
{
	for (unsigned i = 0; i < ef->ef_shnum; i++) {
		const Elf64_Shdr *sh = &ef->ef_shdr[i], *str;

		if (sh->sh_type != SHT_DYNSYM || sh->sh_entsize != sizeof(Elf64_Sym) ||
			sh->sh_link >= ef->ef_shnum || !span_ok(ef, sh->sh_offset, sh->sh_size))
			continue;
		str = &ef->ef_shdr[sh->sh_link];
		if (!span_ok(ef, str->sh_offset, str->sh_size))
			continue;
		for (uint64_t k = 0; k < sh->sh_size / sizeof(Elf64_Sym); k++) {
			const Elf64_Sym *sym = (const Elf64_Sym *)(ef->ef_map + sh->sh_offset) + k;
			size_t n = strlen(name) + 1;

			if (sym->st_shndx == SHN_UNDEF || sym->st_name >= str->sh_size ||
				str->sh_size - sym->st_name < n)
				continue;
			if (memcmp(ef->ef_map + str->sh_offset + sym->st_name, name, n) == 0)
				return (true);
		}
	}
	return (false);
}

static int
check_header(const struct plugin_hdr *h, uint64_t section_size, const char *path, char *err,
	size_t errlen)
{
	if (h->magic != MM_PLUGIN_MAGIC) {
		snprintf(err, errlen, "plugin %s: descriptor has a bad magic number 0x%08x", path,
			h->magic);
		return (-ENOEXEC);
	}
	if ((h->abi >> 16) != MM_PLUGIN_ABI_MAJOR) {
		snprintf(err, errlen,
			"plugin %s: built for plugin ABI %u.%u, this host speaks %u.%u; rebuild it "
			"against this version's headers",
			path, h->abi >> 16, h->abi & 0xffff, MM_PLUGIN_ABI_MAJOR,
			MM_PLUGIN_ABI_MINOR);
		return (-ENOEXEC);
	}
	if ((h->abi & 0xffff) > MM_PLUGIN_ABI_MINOR) {
		snprintf(err, errlen,
			"plugin %s: built for plugin ABI %u.%u, newer than this host's %u.%u; "
			"upgrade the host",
			path, h->abi >> 16, h->abi & 0xffff, MM_PLUGIN_ABI_MAJOR,
			MM_PLUGIN_ABI_MINOR);
		return (-ENOEXEC);
	}
	/* Older minors have shorter descriptors: what they lack, the host does not read. */
	if (h->size < MM_PLUGIN_DESC_MIN || h->size > section_size) {
		snprintf(err, errlen,
			"plugin %s: descriptor is %u bytes, the host needs at least %zu (section "
			"holds %llu)",
			path, h->size, MM_PLUGIN_DESC_MIN, (unsigned long long)section_size);
		return (-ENOEXEC);
	}
	if (memchr(h->name, '\0', sizeof(h->name)) == NULL || h->name[0] == '\0') {
		snprintf(err, errlen, "plugin %s: descriptor has no name", path);
		return (-ENOEXEC);
	}
	return (0);
}

static int
peek(const char *path, struct plugin_hdr *out, char *err, size_t errlen)
{
	struct elf_file ef = { 0 };
	struct stat st;
	const Elf64_Shdr *sec = NULL;
	int fd, rv;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rv = -errno;
		snprintf(err, errlen, "plugin %s: %s", path, strerror(errno));
		return (rv);
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		snprintf(err, errlen, "plugin %s: not a regular, non-empty file", path);
		close(fd);
		return (-ENOEXEC);
	}
	ef.ef_size = (size_t)st.st_size;
	ef.ef_map = mmap(NULL, ef.ef_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (ef.ef_map == MAP_FAILED) {
		snprintf(err, errlen, "plugin %s: cannot map: %s", path, strerror(errno));
		return (-errno);
	}
	if ((rv = elf_parse(&ef, path, err, errlen)) < 0)
		goto out;
	for (unsigned i = 0; i < ef.ef_shnum && sec == NULL; i++) {
		const char *n = section_name(&ef, (const Elf64_Ehdr *)ef.ef_map, &ef.ef_shdr[i]);

		if (n != NULL && strcmp(n, MM_PLUGIN_SECTION) == 0)
			sec = &ef.ef_shdr[i];
	}
	rv = -ENOEXEC;
	if (sec == NULL || sec->sh_type != SHT_PROGBITS) {
		snprintf(err, errlen,
			"plugin %s: no %s section: not a Mamori plugin (define it with "
			"MM_PLUGIN_DEFINE)",
			path, MM_PLUGIN_SECTION);
		goto out;
	}
	if (sec->sh_size < sizeof(*out) || !span_ok(&ef, sec->sh_offset, sizeof(*out))) {
		snprintf(err, errlen,
			"plugin %s: descriptor is %llu bytes, the host needs at least %zu", path,
			(unsigned long long)sec->sh_size, MM_PLUGIN_DESC_MIN);
		goto out;
	}
	memcpy(out, ef.ef_map + sec->sh_offset, sizeof(*out));
	if ((rv = check_header(out, sec->sh_size, path, err, errlen)) < 0)
		goto out;
	if (!elf_defines(&ef, MM_PLUGIN_SYMBOL)) {
		snprintf(err, errlen, "plugin %s: does not export the entry point '%s'", path,
			MM_PLUGIN_SYMBOL);
		rv = -ENOEXEC;
	}
out:
	munmap((void *)(uintptr_t)ef.ef_map, ef.ef_size);
	return (rv);
}

int
mm_plugin_peek(const char *path, char *name, char *err, size_t errlen)
{
	struct plugin_hdr h;
	int rv;

	if ((rv = peek(path, &h, err, errlen)) < 0)
		return (rv);
	memcpy(name, h.name, MM_PLUGIN_NAME_MAX);
	return (0);
}

int
mm_plugin_open(const char *path, struct mm_plugin_so *so, char *err, size_t errlen)
{
	struct plugin_hdr h;
	const struct mm_plugin *d;
	int rv;

	memset(so, 0, sizeof(*so));
	if ((rv = peek(path, &h, err, errlen)) < 0)
		return (rv);
	if ((so->ps_handle = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errlen, "plugin %s: cannot load: %s", path, dlerror());
		return (-ENOEXEC);
	}
	d = dlsym(so->ps_handle, MM_PLUGIN_SYMBOL);
	if (d == NULL || memcmp(d, &h, sizeof(h)) != 0) {
		snprintf(err, errlen, "plugin %s: the loaded descriptor differs from the file's",
			path);
		goto fail;
	}
	if (d->pd_init == NULL) {
		snprintf(err, errlen, "plugin %s: descriptor has no pd_init entry point", path);
		goto fail;
	}
	if (d->pd_global_size > (64U << 20) || d->pd_lcore_size > (64U << 20) ||
		d->pd_flow_size > 4096) {
		snprintf(err, errlen,
			"plugin %s: asks for too much state (global %zu, per lcore %zu, per flow "
			"%zu bytes; limits 64 MiB, 64 MiB, 4096)",
			path, d->pd_global_size, d->pd_lcore_size, d->pd_flow_size);
		goto fail;
	}
	if (d->pd_event_types != NULL && d->pd_format == NULL) {
		snprintf(err, errlen, "plugin %s: declares event types but no pd_format", path);
		goto fail;
	}
	/* The text hook is a shortcut: the host falls back on pd_format whenever it declines. */
	if (MM_PLUGIN_HAS(d, pd_format_text) && d->pd_format_text != NULL && d->pd_format == NULL) {
		snprintf(err, errlen,
			"plugin %s: has pd_format_text but no pd_format to fall back on", path);
		goto fail;
	}
	if ((so->ps_path = strdup(path)) == NULL)
		goto fail;
	so->ps_desc = d;
	return (0);

fail:
	dlclose(so->ps_handle);
	so->ps_handle = NULL;
	return (-ENOEXEC);
}

void
mm_plugin_close(struct mm_plugin_so *so)
{
	if (so->ps_handle != NULL)
		dlclose(so->ps_handle);
	free(so->ps_path);
	memset(so, 0, sizeof(*so));
}
