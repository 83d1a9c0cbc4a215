/* SPDX-License-Identifier: MIT */
/*
 * cmd_policies.c - `fragsim policies [--describe NAME]`.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "frag/policy.h"
#include "frag/scenario.h"
#include "frag/workload.h"

extern const struct frag_param frag_sysctl_params[];

static const char *type_name(enum frag_param_type t)
{
	switch (t) {
	case PARAM_BOOL:
		return "bool";
	case PARAM_INT:
		return "int";
	case PARAM_UINT:
		return "u64";
	case PARAM_U32:
		return "u32";
	case PARAM_DOUBLE:
		return "double";
	case PARAM_DURATION:
		return "time";
	case PARAM_ENUM:
		return "enum";
	case PARAM_STRING:
		return "string";
	case PARAM_DIST:
		return "dist";
	}
	return "?";
}

static void fmt_value(const struct frag_param *p, double v, char *buf, size_t len)
{
	if (p->type == PARAM_STRING || p->type == PARAM_DIST)
		snprintf(buf, len, "%s", p->sdef ? p->sdef : "");
	else if (p->type == PARAM_ENUM)
		snprintf(buf, len, "%s", p->choices ? p->choices[(int)v] : "?");
	else if (p->type == PARAM_DURATION)
		snprintf(buf, len, "%gs", v);
	else if (p->type == PARAM_BOOL)
		snprintf(buf, len, "%s", v != 0 ? "true" : "false");
	else if (p->type == PARAM_DOUBLE)
		snprintf(buf, len, "%g", v);
	else
		snprintf(buf, len, "%.0f", v);
}

static void print_table(const struct frag_param *params)
{
	printf("  %-32s %-6s %-10s %-10s %-12s %-9s %s\n", "name", "type", "default", "min", "max", "unit", "help");
	for (unsigned i = 0; params && params[i].name; i++) {
		const struct frag_param *p = &params[i];
		char d[32], lo[32], hi[32];
		fmt_value(p, p->def, d, sizeof d);
		if (p->type == PARAM_DIST) {
			/* Bounds of a distribution apply to its samples. */
			snprintf(lo, sizeof lo, "%g", p->min);
			snprintf(hi, sizeof hi, "%g", p->max);
		} else {
			fmt_value(p, p->min, lo, sizeof lo);
			fmt_value(p, p->max, hi, sizeof hi);
		}
		if (p->type == PARAM_ENUM || p->type == PARAM_STRING) {
			snprintf(lo, sizeof lo, "-");
			snprintf(hi, sizeof hi, "-");
		}
		printf("  %-32s %-6s %-10s %-10s %-12s %-9s %s\n", p->name, type_name(p->type), d, lo, hi,
		       *p->unit ? p->unit : "-", p->help);
	}
}

static void print_names(FILE *f)
{
	for (unsigned i = 0; i < frag_policy_count(); i++)
		fprintf(f, "%s%s", i ? ", " : "", frag_policy_at(i)->name);
	fputc('\n', f);
}

int cmd_policies(int argc, char **argv)
{
	const char *describe = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--describe")) {
			if (++i >= argc) {
				cli_error("policies", "--describe needs a policy name; known policies:");
				print_names(stderr);
				return EXIT_USAGE;
			}
			describe = argv[i];
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: fragsim policies [--describe NAME]\n"
			       "Lists the registered policies, or prints one policy's parameter table\n"
			       "(name, type, default, bounds, unit, help) followed by the vm sysctls.\n");
			return 0;
		} else {
			cli_error("policies", "unknown option '%s'", argv[i]);
			return EXIT_USAGE;
		}
	}

	char err[256];
	if (frag_policy_registry_check(err, sizeof err)) {
		cli_error("policies", "registry is inconsistent: %s", err);
		return 1;
	}

	if (!describe) {
		for (unsigned i = 0; i < frag_policy_count(); i++) {
			const struct frag_policy_ops *p = frag_policy_at(i);
			printf("%-16s %s\n", p->name, p->summary);
		}
		return 0;
	}

	const struct frag_policy_ops *p = frag_policy_find(describe);
	if (!p) {
		cli_error("policies", "unknown policy '%s'; known policies:", describe);
		print_names(stderr);
		return EXIT_USAGE;
	}
	printf("policy: %s\n%s\n\nparameters:\n", p->name, p->summary);
	if (p->params && p->params[0].name)
		print_table(p->params);
	else
		printf("  (none: this policy is tuned only through the vm sysctls below)\n");
	printf("\nvm sysctls (machine-wide, apply under every policy):\n");
	print_table(frag_sysctl_params);
	return 0;
}

static void print_workload_names(FILE *f)
{
	for (unsigned i = 0; i < frag_workload_count(); i++)
		fprintf(f, "%s%s", i ? ", " : "", frag_workload_at(i)->name);
	fputc('\n', f);
}

/* `fragsim workloads [--describe NAME]` */
int cmd_workloads(int argc, char **argv)
{
	const char *describe = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--describe")) {
			if (++i >= argc) {
				cli_error("workloads", "--describe needs a workload type; known types:");
				print_workload_names(stderr);
				return EXIT_USAGE;
			}
			describe = argv[i];
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: fragsim workloads [--describe TYPE]\n"
			       "Lists the workload types, or prints one type's parameter table (name, type, default,\n"
			       "bounds, unit, help) and the keys every instance takes.\n");
			return 0;
		} else {
			cli_error("workloads", "unknown option '%s'", argv[i]);
			return EXIT_USAGE;
		}
	}
	char err[256];
	if (frag_workload_registry_check(err, sizeof err)) {
		cli_error("workloads", "registry is inconsistent: %s", err);
		return 1;
	}
	if (!describe) {
		for (unsigned i = 0; i < frag_workload_count(); i++)
			printf("%-12s %s\n", frag_workload_at(i)->name, frag_workload_at(i)->summary);
		return 0;
	}
	const struct frag_workload_ops *w = frag_workload_find(describe);
	if (!w) {
		cli_error("workloads", "unknown workload type '%s'; known types:", describe);
		print_workload_names(stderr);
		return EXIT_USAGE;
	}
	printf("workload: %s\n%s\n\nparameters:\n", w->name, w->summary);
	if (w->params && w->params[0].name)
		print_table(w->params);
	else
		printf("  (none)\n");
	printf("\nevery instance also takes:\n");
	print_table(frag_wl_instance_params);
	return 0;
}
