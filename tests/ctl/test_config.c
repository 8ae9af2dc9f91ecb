/* SPDX-License-Identifier: BSD-3-Clause */
/* Config files: the shipped examples load; each kind of mistake is refused
 * with its file, line and setting; start-up fills the tables in order. */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "core/platform/host.h"
#include "ctl/state.h"
#include "tables/cmdfile.h"
#include "ctl_tests.h"
#include "daemon/start.h"
#include "dp-dpdk/config_dpdk.h"
#include "dp-xdp/config_xdp.h"

static char dir[64], path[128];

/* What a daemon loads: the file with its sections (here both, optional),
 * checked as the table API will see it. */
static int load_any(const char *file, struct alk_config *cfg,
		    struct alk_error *err)
{
	struct alk_xdp_config x = { 0 };
	struct alk_dpdk_config d = { 0 };
	struct alk_config_section any[] = { ALK_XDP_SECTION(&x),
					    ALK_DPDK_SECTION(&d),
					    { 0 } };
	int rc;

	any[0].missing = NULL;
	any[1].missing = NULL;
	rc = alk_daemon_config_load(file, any, cfg, err);
	alk_xdp_config_free(&x);
	alk_dpdk_config_free(&d);
	return rc;
}

static int setup(void)
{
	ctl_test_tmpdir(dir);
	snprintf(path, sizeof(path), "%s/test.conf", dir);
	return 0;
}

static int teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void write_conf(const char *text)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static void test_examples(void)
{
	struct alk_xdp_config x = { 0 };
	struct alk_dpdk_config d = { 0 };
	struct alk_config_section xdp[] = { ALK_XDP_SECTION(&x), { 0 } };
	struct alk_config_section dpdk[] = { ALK_DPDK_SECTION(&d), { 0 } };
	struct alk_config cfg;
	struct alk_error err;
	char file[512];

	snprintf(file, sizeof(file), "%s/config/alkaid-xdp.conf",
		 ctl_test_srcdir);
	if (alk_daemon_config_load(file, xdp, &cfg, &err))
		fprintf(stderr, "%s\n", err.msg);
	CU_ASSERT_TRUE_FATAL(x.present);
	CU_ASSERT_EQUAL(x.ninterfaces, 1);
	CU_ASSERT_STRING_EQUAL(x.interfaces[0], "eth1");
	CU_ASSERT_EQUAL(x.mode, ALK_XDP_NATIVE);
	CU_ASSERT_STRING_EQUAL(cfg.control.socket, "/run/alkaid/alkaid.sock");
	CU_ASSERT_TRUE(cfg.has_gateway);
	CU_ASSERT_EQUAL(cfg.gateway.ip, inet_addr("198.18.0.1"));
	CU_ASSERT_EQUAL(cfg.initial.entries, 5);
	CU_ASSERT_EQUAL(cfg.sizes.endpoints, 1048576);
	alk_config_free(&cfg);
	alk_xdp_config_free(&x);

	snprintf(file, sizeof(file), "%s/config/alkaid-dpdk.conf",
		 ctl_test_srcdir);
	if (alk_daemon_config_load(file, dpdk, &cfg, &err))
		fprintf(stderr, "%s\n", err.msg);
	CU_ASSERT_TRUE_FATAL(d.present);
	CU_ASSERT_EQUAL(d.nports, 1);
	CU_ASSERT_STRING_EQUAL(d.ports[0].device, "0000:03:00.0");
	CU_ASSERT_EQUAL(d.ports[0].queues, 4);
	CU_ASSERT_EQUAL(d.nworkers, 4);
	CU_ASSERT_EQUAL(d.workers[3], 5);
	CU_ASSERT_EQUAL(d.main_lcore, 1);
	CU_ASSERT_EQUAL(d.neal_args, 1);
	CU_ASSERT_STRING_EQUAL(cfg.state_file, "/var/lib/alkaid/dpdk.state");
	CU_ASSERT_EQUAL(cfg.gateway.flags,
			ALK_GW_F_UNDERLAY_ARP | ALK_GW_F_DIRECT_PATH);
	CU_ASSERT_EQUAL(cfg.gateway.dp_rate, 1000);
	CU_ASSERT_EQUAL(cfg.gateway.dp_burst, 64);
	alk_config_free(&cfg);
	alk_dpdk_config_free(&d);

	/* each daemon wants its own section */
	CU_ASSERT_EQUAL(alk_daemon_config_load(file, xdp, &cfg, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no 'xdp' section"));
	alk_xdp_config_free(&x);
}

/* text must be refused with "<path>:<lines>: <message>". */
static void refused_at(const char *text, const char *lines, int line,
		       const char *message)
{
	struct alk_config cfg;
	struct alk_error err;
	char want[256];

	write_conf(text);
	CU_ASSERT_NOT_EQUAL(load_any(path, &cfg, &err), 0);
	snprintf(want, sizeof(want), "%s:%s: %s", path, lines, message);
	if (strcmp(err.msg, want))
		fprintf(stderr, "\n want %s\n got  %s\n", want, err.msg);
	CU_ASSERT_STRING_EQUAL(err.msg, want);
	CU_ASSERT_EQUAL(err.index, line);
}

static void refused(const char *text, int line, const char *message)
{
	char lines[16];

	snprintf(lines, sizeof(lines), "%d", line);
	refused_at(text, lines, line, message);
}

static void test_refused(void)
{
	refused("table-sizes = {\n  endpoints = 5;\n  vpcs = ;\n};\n", 3,
		"syntax error");
	refused("\n\nstat-file = \"/var/lib/alkaid/state\";\n", 3,
		"stat-file: unknown setting");
	refused("table-sizes = {\n  endpoints = 0;\n};\n", 2,
		"table-sizes.endpoints: 0 out of range (1-268435456)");
	refused("table-sizes = {\n  endpoints = \"many\";\n};\n", 2,
		"table-sizes.endpoints: expected an integer");
	refused("table-sizes = {\n  endpoint = 5;\n};\n", 2,
		"table-sizes.endpoint: unknown setting");
	refused("control = {\n  socket = \"run/x.sock\";\n};\n", 2,
		"control.socket: not an absolute path");
	refused("control = {\n  group = \"no-such-group-here\";\n};\n", 2,
		"control.group: no group 'no-such-group-here' on this system");
	refused("control = 5;\n", 1, "control: expected a group { ... }");
	refused("xdp = {\n  interfaces = [ \"eth1\" ];\n  mode = "
		"\"turbo\";\n};\n",
		3, "xdp.mode: 'turbo' is not native, skb or hw");
	refused("xdp = {\n  interfaces = [];\n};\n", 2,
		"xdp.interfaces: at least one interface is needed");
	refused("xdp = {\n  interfaces = [ \"a-very-long-interface-name\" "
		"];\n};\n",
		2,
		"xdp.interfaces[0]: 'a-very-long-interface-name' is longer "
		"than an interface name");
	refused("dpdk = {\n  ports = ( \"net_null0\" );\n  workers = [ 1, 2, 1 "
		"];\n};\n",
		3, "dpdk.workers[2]: lcore 1 listed twice");
	refused("dpdk = {\n  ports = ( \"net_null0\" );\n  workers = [ 1 ];\n"
		"  main-lcore = 1;\n};\n",
		4, "dpdk.main-lcore: lcore 1 is also a worker");
	refused("dpdk = {\n  ports = (\n    { queues = 2; }\n  );\n"
		"  workers = [ 1 ];\n};\n",
		3, "dpdk.ports[0]: missing 'device'");
	refused("dpdk = {\n  ports = (\n    { device = \"x\"; queues = 0; }\n"
		"  );\n  workers = [ 1 ];\n};\n",
		3, "dpdk.ports[0].queues: 0 out of range (1-1024)");
	refused("gateway = {\n  ip = \"198.18.0.1\";\n  mac = "
		"\"02:00:00\";\n};\n",
		3, "gateway.mac: bad mac '02:00:00'");
	refused("gateway = {\n  ip = \"198.18.0.1\";\n};\n", 1,
		"gateway: 'gateway set' needs 'mac'");
	refused("gateway = {\n  ip = \"198.18.0.1\";\n  mac = "
		"\"02:00:00:00:00:01\";\n"
		"  vxlan = 4789;\n};\n",
		4, "gateway.vxlan: 'gateway set' takes no 'vxlan'");
	/* semantic: the table API's own check, at load time */
	refused("gateway = {\n  ip = \"0.0.0.0\";\n  mac = "
		"\"02:00:00:00:00:01\";\n};\n",
		1, "gateway: ip 0.0.0.0 is not a unicast address");
	refused("state-file = \"state\";\n", 1,
		"state-file: not an absolute path");
	refused("initial-file = \"/no/such/file\";\n", 1,
		"initial-file: cannot read /no/such/file: No such file or "
		"directory");
	refused("initial-tables = (\n"
		"  \"neighbor add ip 198.18.0.2 mac 02:00:00:00:00:02\",\n"
		"  \"neighbor add ip 198.18.0.3 mac 02:00:00:00:0g:02\"\n);\n",
		3, "initial-tables[1]: bad mac '02:00:00:00:0g:02'");
	refused("initial-tables = (\n"
		"  \"endpoint add vni 1 ip 203.0.113.1 mac 0e:00:00:00:00:01 "
		"host 198.18.0.9\",\n"
		"  \"endpoint add vni 1 ip 203.0.113.2 mac 0e:00:00:00:00:01 "
		"host 198.18.0.9\"\n);\n",
		3, "mac repeated in the batch (entry 0)");
	refused("initial-tables = (\n  5\n);\n", 2,
		"initial-tables[0]: expected a command string");
	refused("initial-tables = (\n  \"\"\n);\n", 2,
		"initial-tables[0]: expected OBJECT COMMAND");
	/* a whole batch refused: its lines are named */
	refused_at("table-sizes = {\n  vpcs = 1;\n};\ninitial-tables = (\n"
		   "  \"vpc add vni 1 dividers 198.18.0.1\",\n"
		   "  \"vpc add vni 2 dividers 198.18.0.1\"\n);\n",
		   "5-6", 5, "vpc table full: 0 of 1 used, batch adds 2");
}

/* The two semantic cases name the file's line in their own format. */
static void test_semantic_lines(void)
{
	struct alk_config cfg;
	struct alk_error err;
	char want[256];

	write_conf("initial-tables = (\n"
		   "  \"endpoint add vni 1 ip 203.0.113.1 mac "
		   "0e:00:00:00:00:01 host 198.18.0.9\",\n"
		   "  \"endpoint add vni 1 ip 203.0.113.2 mac "
		   "0e:00:00:00:00:02 host 224.0.0.1\"\n);\n");
	CU_ASSERT_EQUAL(load_any(path, &cfg, &err), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s:3: host 224.0.0.1 is not a unicast address", path);
	CU_ASSERT_STRING_EQUAL(err.msg, want);
	CU_ASSERT_EQUAL(err.index, 3);
}

/* Start-up: initial tables without a state file; the state file instead
 * of them when it exists; the file's gateway last. */
static void test_apply(void)
{
	struct alk_table_sizes s = { 64, 16, 16, 16 };
	struct alk_tables *t = alk_host_tables_create(&s);
	struct alk_neighbor_key nk = { .ip = inet_addr("198.18.0.2") };
	struct alk_neighbor nv;
	struct alk_config cfg;
	struct alk_error err;
	char conf[1024], state[128];

	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(conf, sizeof(conf),
		 "state-file = \"%s\";\n"
		 "gateway = { ip = \"198.18.0.1\"; mac = "
		 "\"02:00:00:00:00:01\"; };\n"
		 "initial-tables = ( \"neighbor add ip 198.18.0.2 mac "
		 "02:00:00:00:00:02\" );\n",
		 state);
	write_conf(conf);
	CU_ASSERT_EQUAL_FATAL(load_any(path, &cfg, &err), 0);
	CU_ASSERT_EQUAL(alk_daemon_tables_fill(&cfg, t, true, &err), 0);
	CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_NEIGHBOR, &nk, &nv), 0);
	CU_ASSERT_EQUAL(alk_host_gateway(t)->ip, inet_addr("198.18.0.1"));
	t->ops->close(t);

	/* a state file without that neighbor and with another gateway */
	t = alk_host_tables_create(&s);
	CU_ASSERT_EQUAL(alk_cmdfile_load(t, path, &err), -EINVAL); /* not it */
	t->ops->close(t);
	{
		FILE *f = fopen(state, "w");

		fputs("gateway set ip 198.18.0.99 mac 02:00:00:00:00:99\n"
		      "neighbor add ip 198.18.0.3 mac 02:00:00:00:00:03\n",
		      f);
		fclose(f);
	}
	t = alk_host_tables_create(&s);
	CU_ASSERT_EQUAL(alk_daemon_tables_fill(&cfg, t, true, &err), 0);
	CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_NEIGHBOR, &nk, &nv), -ENOENT);
	nk.ip = inet_addr("198.18.0.3");
	CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_NEIGHBOR, &nk, &nv), 0);
	CU_ASSERT_EQUAL(alk_host_gateway(t)->ip, inet_addr("198.18.0.1"));
	t->ops->close(t);
	alk_config_free(&cfg);
	unlink(state);
}

/* An initial file next to the config file, named relative to it. */
static void test_initial_file(void)
{
	struct alk_table_sizes s = { 64, 16, 16, 16 };
	struct alk_tables *t = alk_host_tables_create(&s);
	struct alk_vpc_key k = { .vni = 42 };
	struct alk_vpc v;
	struct alk_config cfg;
	struct alk_error err;
	char batch[128], want[256];
	FILE *f;

	snprintf(batch, sizeof(batch), "%s/init.batch", dir);
	f = fopen(batch, "w");
	fputs("# initial\nvpc add vni 42 dividers 198.18.0.1\n"
	      "vpc add vni 43 dividers 198.18.0.300\n",
	      f);
	fclose(f);
	write_conf("initial-file = \"init.batch\";\n");
	CU_ASSERT_EQUAL_FATAL(load_any(path, &cfg, &err), 0);
	CU_ASSERT_STRING_EQUAL(cfg.initial_file, batch);
	/* its errors name its own lines */
	CU_ASSERT_EQUAL(alk_daemon_tables_fill(&cfg, t, true, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s:3: bad dividers '198.18.0.300'",
		 batch);
	CU_ASSERT_STRING_EQUAL(err.msg, want);
	/* checked whole before any of it is applied: line 2 is not */
	CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_VPC, &k, &v), -ENOENT);
	t->ops->close(t);
	alk_config_free(&cfg);
	unlink(batch);
}

void ctl_config_register(void)
{
	CU_pSuite s = CU_add_suite("config", setup, teardown);

	CU_add_test(s, "example files load", test_examples);
	CU_add_test(s, "mistakes refused with their line", test_refused);
	CU_add_test(s, "table API errors at load name the line",
		    test_semantic_lines);
	CU_add_test(s, "start-up order", test_apply);
	CU_add_test(s, "initial file", test_initial_file);
}
