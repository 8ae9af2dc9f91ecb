#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The DPDK bouncer on one worker lcore, against dpdk-testpmd macswap.

Both run on the same lcores and the same virtual devices, one after the
other, in alternating rounds, frames sent out of net_null on port 1.  The
frames come into port 0 by one of two inputs (--input):

  pcap    net_pcap (infinite_rx) replays them from memory, ~130 cycles a
          frame; rates come from the ports' TX counters read over DPDK
          telemetry at the start and end of a timed window, against testpmd
          macswap: "Mpps" rows
  replay  net_null's mbufs filled by bench/dpdk/replay.c (an EAL plugin,
          both programs load it), which also times the worker in TSC
          cycles between RX bursts; against testpmd io and macswap on the
          same input: "cycles_per_frame" rows, and the cycles beyond io

Each case has its own frames, each for an endpoint drawn uniformly from a
full table (bench/dpdk/gen.c):

  geneve  Geneve frames, bounced to the host of their endpoint
  vxlan   the same in VXLAN
  arp     ARP requests for endpoints, answered by the gateway in place

Every frame of a case must end with the case's reason in the gateway's
counters (/alkaid/stats): anything else, a drop included, fails the run.

Prints one CSV row per case on stdout (bench,case,endpoints,unit,value,
ref_value,ratio) and the detail on stderr.
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

GATEWAY_IP = '198.19.0.1'

# gen.c case: (CSV case, the reason the gateway must give every frame);
# the Geneve row's name carries the table size, for its older results.
CASES = {
    'geneve': ('bouncer_random_%s', 'bounce'),
    'vxlan': ('bounce_vxlan', 'bounce'),
    'arp': ('arp_reply', 'arp_reply'),
}


def log(*args):
    print('bench/dpdk:', *args, file=sys.stderr, flush=True)


class Telemetry:
    """A connection to the telemetry socket of one DPDK process."""

    def __init__(self, prefix):
        if os.getuid() == 0:
            base = '/var/run/dpdk'
        else:
            base = os.path.join(os.environ.get('XDG_RUNTIME_DIR', '/tmp'),
                                'dpdk')
        self.runtime_dir = os.path.join(base, prefix)
        self.path = os.path.join(self.runtime_dir, 'dpdk_telemetry.v2')
        self.sock = None

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        sock.connect(self.path)
        self.max_len = json.loads(sock.recv(1024))['max_output_len']
        self.sock = sock

    def query(self, cmd):
        self.sock.send(cmd.encode())
        return json.loads(self.sock.recv(self.max_len))[cmd.split(',')[0]]

    def close(self):
        if self.sock:
            self.sock.close()


HUGE = False  # --huge: hugepage memory for both, fewer TLB misses
REPLAY = None  # --input replay: the plugin's path

# The EAL arguments of every test and benchmark, one a line.
EAL_ARGS = os.path.join(os.path.dirname(os.path.realpath(__file__)),
                        '..', '..', 'tests', 'lib', 'eal-args')


def eal_args(prefix, pcap, lcores, memory):
    with open(EAL_ARGS) as f:
        common = [a for a in f.read().split('\n')
                  if a and not a.startswith('#')]
    if HUGE:
        common.remove('--no-huge')
    if REPLAY:
        ports = ['-d', REPLAY, '--vdev', 'net_null0',
                 '--vdev', 'net_null1,no-rx=1']
    else:
        ports = ['--vdev', 'net_pcap0,rx_pcap=%s,infinite_rx=1' % pcap,
                 '--vdev', 'net_null0,no-rx=1']
    return (['-l', lcores] + common +
            ['-m', str(memory), '--file-prefix', prefix,
             '--log-level', '*:warning'] + ports)


def replay_env(pcap, count=None):
    """The environment of a program that loads the replay plugin."""
    env = dict(os.environ, ALK_REPLAY_PCAP=pcap, ALK_REPLAY_PORT='0')
    if count:
        env['ALK_REPLAY_COUNT'] = str(count)
    return env


def measure(name, cmd, prefix, seconds, warmup, stop_with_enter, env=None):
    """Run cmd; return (Mpps out of port 1, reason deltas or None, worker
    cycles per frame from the replay plugin or None)."""
    out = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out,
                            stderr=subprocess.STDOUT, env=env)
    tel = Telemetry(prefix)
    try:
        deadline = time.monotonic() + 120  # loading 16M endpoints
        while True:
            if proc.poll() is not None:
                raise RuntimeError('%s exited with %d' % (name, proc.returncode))
            try:
                if tel.sock is None:
                    tel.connect()
                # started: from here on the counters tell, drops included
                if tel.query('/ethdev/stats,0')['ipackets'] > 0:
                    break
            except (OSError, KeyError, TypeError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError('%s never received' % name)
            time.sleep(0.2)
        time.sleep(warmup)
        alkaid = '/alkaid/stats' in tel.query('/')
        r0 = tel.query('/alkaid/stats') if alkaid else None
        c0 = tel.query('/alk_replay/stats') if REPLAY else None
        t0 = time.monotonic()
        tx0 = tel.query('/ethdev/stats,1')['opackets']
        time.sleep(seconds)
        tx1 = tel.query('/ethdev/stats,1')['opackets']
        t1 = time.monotonic()
        c1 = tel.query('/alk_replay/stats') if REPLAY else None
        r1 = tel.query('/alkaid/stats') if alkaid else None
        reasons = ({k: r1[k] - r0[k] for k in r1 if r1[k] != r0[k]}
                   if alkaid else None)
        cycles = None
        if REPLAY:
            cycles = ((c1['cycles'] - c0['cycles']) /
                      (c1['timed_frames'] - c0['timed_frames']))
            log('%s: %.1f cycles/frame over %d frames, %d bursts '
                'untimed (scheduled out)' % (name, cycles,
                c1['timed_frames'] - c0['timed_frames'],
                c1['gaps'] - c0['gaps']))
        return (tx1 - tx0) / (t1 - t0) / 1e6, reasons, cycles
    except Exception:
        out.seek(0)
        sys.stderr.write(out.read().decode(errors='replace'))
        raise
    finally:
        tel.close()
        stop(proc, stop_with_enter, 30)
        # the EAL leaves its runtime directory behind
        shutil.rmtree(tel.runtime_dir, ignore_errors=True)


# Where a worker's instructions are I/O: the PMDs' RX and TX, the replay
# plugin, and ethdev's call into RX callbacks.
IO_OBJECTS = ('librte_net_null.so', 'libalk-bench-replay.so')
IO_FUNCTIONS = ('rte_eth_call_rx_callbacks',)


def stop(proc, stop_with_enter, timeout):
    """End a DPDK program still running: testpmd by a line on its
    standard input, alkaid-dpdk by SIGINT; killed after timeout s."""
    if proc.poll() is not None:
        return
    if stop_with_enter:
        proc.stdin.write(b'\n')
        proc.stdin.flush()
    else:
        proc.send_signal(2)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def callgrind_split(path):
    """(all instructions, those in I/O) of a callgrind dump: I/O is the
    inclusive cost of every call from outside the I/O into it."""
    names = {'ob': {}, 'fn': {}}
    kind = {'ob': 'ob', 'cob': 'ob', 'fn': 'fn', 'cfn': 'fn'}
    total = io = 0
    ob = fn = cob = cfn = None
    in_call = False

    def name(k, v):
        v = v.strip()
        if v.startswith('('):
            ident, _, rest = v.partition(')')
            if rest.strip():
                names[kind[k]][ident] = rest.strip()
            return names[kind[k]].get(ident, '')
        return v

    def is_io(o, f):
        return (any(os.path.basename(o or '').startswith(x)
                    for x in IO_OBJECTS) or f in IO_FUNCTIONS)

    with open(path) as f:
        for line in f:
            key, eq, val = line.partition('=')
            if eq and key in kind:
                v = name(key, val)
                if key == 'ob':
                    ob = v
                elif key == 'fn':
                    fn, cob, cfn = v, None, None
                elif key == 'cob':
                    cob = v
                else:
                    cfn = v
            elif key == 'calls' and eq:
                in_call = True
            elif line.startswith('summary:') or line.startswith('totals:'):
                total = int(line.split()[1])
            elif line[:1].isdigit() or line[:1] in '+-*':
                if in_call:
                    callee_ob = cob if cob is not None else ob
                    if is_io(callee_ob, cfn) and not is_io(ob, fn):
                        io += int(line.split()[1])
                    in_call = False
                    cob = None
    return total, io


def callgrind(name, cmd, prefix, frames, env, tmp, stop_with_enter):
    """Instructions of the worker over `frames` frames under callgrind:
    (total, I/O) per frame."""
    out_base = os.path.join(tmp, 'callgrind.' + prefix)
    # one dump per thread: the worker's alone, whatever the others did
    cmd = ['valgrind', '--tool=callgrind', '--instr-atstart=no',
           '--separate-threads=yes', '--callgrind-out-file=' + out_base] + cmd
    env = dict(env, ALK_REPLAY_COUNT=str(frames))
    out = tempfile.NamedTemporaryFile(dir=tmp)
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out,
                            stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 600
        while b'alk_replay: done' not in open(out.name, 'rb').read():
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.stderr.write(open(out.name, 'rb').read().decode(
                    errors='replace'))
                raise RuntimeError('%s under callgrind: no end' % name)
            time.sleep(0.5)
    finally:
        stop(proc, stop_with_enter, 120)
        shutil.rmtree(os.path.join('/var/run/dpdk', prefix),
                      ignore_errors=True)
    dumps = [callgrind_split(os.path.join(tmp, f)) for f in os.listdir(tmp)
             if f.startswith('callgrind.' + prefix + '.1-')]
    if not dumps:
        raise RuntimeError('%s under callgrind: no dump' % name)
    total, io = max(dumps)  # the worker's thread
    log('%s under callgrind, %d frames: %.1f instructions/frame, I/O %.1f, '
        'beyond I/O %.1f' % (name, frames, total / frames, io / frames,
                             (total - io) / frames))
    return total / frames, io / frames


def size_name(n):
    """64k, 1m, 16m: the table size in a case name."""
    if n >= 1 << 24:
        return '16m'
    return '%dk' % (n >> 10) if n < 1 << 20 else '%dm' % (n >> 20)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--alkaid', required=True, help='alkaid-dpdk binary')
    ap.add_argument('--gen', required=True, help='dpdk-bench-gen binary')
    ap.add_argument('--testpmd', default='dpdk-testpmd')
    ap.add_argument('--cases', default=','.join(CASES),
                    help='comma-separated, of %s (default all)'
                    % ', '.join(CASES))
    ap.add_argument('--endpoints', type=int, default=1 << 20)
    ap.add_argument('--frames', type=int, default=1 << 16)
    ap.add_argument('--seconds', type=float, default=5)
    ap.add_argument('--warmup', type=float, default=2)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--lcores', default='0,1',
                    help='main lcore, then the one worker (default 0,1)')
    ap.add_argument('--memory', type=int, default=2048, help='EAL -m, MB')
    ap.add_argument('--huge', action='store_true',
                    help='use hugepages (reserved and mounted by the caller)')
    ap.add_argument('--input', choices=('pcap', 'replay'), default='pcap')
    ap.add_argument('--replay', help='the replay plugin (--input replay)')
    ap.add_argument('--alkaid-nocapture', metavar='BIN',
                    help='with --callgrind: also alkaid-dpdk built with '
                    'ALK_NO_CAPTURE, for the capture_off rows')
    ap.add_argument('--callgrind', type=int, metavar='FRAMES',
                    help='--input replay: instead of timing, count the '
                    'instructions of FRAMES frames under callgrind')
    a = ap.parse_args()
    global HUGE, REPLAY
    HUGE = a.huge
    if a.input == 'replay':
        if not a.replay:
            ap.error('--input replay needs --replay PLUGIN')
        REPLAY = os.path.realpath(a.replay)
    cases = a.cases.split(',')
    for c in cases:
        if c not in CASES:
            ap.error('--cases: no case %s' % c)

    # net_pcap keeps every frame in an mbuf; the replay plugin in memory
    mbufs = a.frames + 32768 if not REPLAY else 32768
    alk = {c: [] for c in cases}
    pmd = {c: [] for c in cases}
    # --input replay: cycles per frame of each program
    cyc = {p: {c: [] for c in cases} for p in ('alkaid', 'io', 'macswap')}
    with tempfile.TemporaryDirectory(prefix='alk-bench-dpdk.') as tmp:
        pcap = {c: os.path.join(tmp, c + '.pcap') for c in cases}
        batch = os.path.join(tmp, 'tables.batch')
        subprocess.run([a.gen, str(a.endpoints), str(a.frames), batch] +
                       [x for c in cases for x in (c, pcap[c])], check=True)
        tag = os.environ.get('ALK_BENCH_TAG', '') + str(os.getpid())
        alk_cmd = lambda p, c, exe=a.alkaid: ([exe] + eal_args(p, pcap[c], a.lcores, a.memory) + [
            '--', '--gateway-ip', GATEWAY_IP, '--pair', '0:1',
            '-s', os.path.join(tmp, 'alkaid.sock'),  # not the default one
            '--batch', batch, '--endpoints', str(a.endpoints),
            '--networks', '64', '--network-tbl8s', '64', '--vpcs', '64',
            '--neighbors', '1024', '--mbufs', str(mbufs)])
        pmd_cmd = lambda p, c, mode='macswap': ([a.testpmd] + eal_args(p, pcap[c], a.lcores, a.memory) + [
            '--', '--forward-mode=' + mode, '--nb-cores=1', '--rxq=1',
            '--txq=1', '--burst=32', '--total-num-mbufs=%d' % mbufs,
            '--no-lsc-interrupt'])
        if a.callgrind:
            if not REPLAY:
                ap.error('--callgrind needs --input replay')
            for c in cases:
                prefix = 'alk-bench-cg-%s-%s' % (tag, c)
                env = replay_env(pcap[c])
                got = {
                    'alkaid': callgrind('alkaid-dpdk', alk_cmd(prefix + 'a', c),
                                        prefix + 'a', a.callgrind, env, tmp,
                                        False),
                    'io': callgrind('testpmd io', pmd_cmd(prefix + 'i', c, 'io'),
                                    prefix + 'i', a.callgrind, env, tmp, True),
                    'macswap': callgrind('testpmd macswap',
                                         pmd_cmd(prefix + 'm', c),
                                         prefix + 'm', a.callgrind, env, tmp,
                                         True),
                }
                name = CASES[c][0]
                if '%s' in name:
                    name %= size_name(a.endpoints)
                # alkaid against testpmd io: in all, in I/O; beyond I/O
                # against what macswap does beyond I/O
                (at, ai), (it, ii), (mt, mi) = (got[p] for p in
                                                ('alkaid', 'io', 'macswap'))
                for row, v, ref in (('instr', at, it), ('instr_io', ai, ii),
                                    ('instr_beyond_io', at - ai, mt - mi)):
                    print('dpdk,%s_%s,%d,instructions_per_frame,%.1f,%.1f,%.3f'
                          % (name, row, a.endpoints, v, ref, v / ref))
                log('%s: instructions/frame (total, I/O, beyond I/O): '
                    'alkaid-dpdk %.1f %.1f %.1f, testpmd io %.1f %.1f %.1f, '
                    'macswap %.1f %.1f %.1f' % (c, at, ai, at - ai, it, ii,
                                                it - ii, mt, mi, mt - mi))
                if a.alkaid_nocapture:
                    # the capture's flag test, with no capture running
                    nt, ni = callgrind(
                        'alkaid-dpdk (ALK_NO_CAPTURE)',
                        alk_cmd(prefix + 'n', c, a.alkaid_nocapture),
                        prefix + 'n', a.callgrind, env, tmp, False)
                    for row, v, ref in (('instr', at, nt),
                                        ('instr_beyond_io', at - ai, nt - ni)):
                        print('dpdk,%s_capture_off_%s,%d,'
                              'instructions_per_frame,%.1f,%.1f,%.3f'
                              % (name, row, a.endpoints, v, ref, v / ref))
            return
        for r in range(a.rounds):
            for c in cases:
                want = CASES[c][1]
                prefix = 'alk-bench-%s-%d-%s' % (tag, r, c)
                env = replay_env(pcap[c]) if REPLAY else None
                rate, reasons, cycles = measure(
                    'alkaid-dpdk', alk_cmd(prefix + 'a', c), prefix + 'a',
                    a.seconds, a.warmup, False, env)
                if not reasons or set(reasons) != {want}:
                    raise SystemExit('bench/dpdk: %s: alkaid-dpdk did not only '
                                     '%s: %s' % (c, want, reasons))
                alk[c].append(rate)
                cyc['alkaid'][c].append(cycles)
                prate, _, cycles = measure(
                    'dpdk-testpmd', pmd_cmd(prefix + 't', c), prefix + 't',
                    a.seconds, a.warmup, True, env)
                pmd[c].append(prate)
                cyc['macswap'][c].append(cycles)
                log('round %d, %s: alkaid-dpdk %.2f Mpps (%d %s), '
                    'testpmd macswap %.2f Mpps'
                    % (r + 1, c, rate, reasons[want], want, prate))
                if REPLAY:
                    _, _, cycles = measure(
                        'dpdk-testpmd io', pmd_cmd(prefix + 'i', c, 'io'),
                        prefix + 'i', a.seconds, a.warmup, True, env)
                    cyc['io'][c].append(cycles)
    suffix = '_replay' if REPLAY else ''
    for c in cases:
        value, ref = statistics.median(alk[c]), statistics.median(pmd[c])
        log('%s, %d endpoints, %d distinct frames, one worker lcore, %s input: '
            'alkaid-dpdk %.2f Mpps, testpmd macswap %.2f Mpps, ratio %.3f'
            % (c, a.endpoints, a.frames, a.input, value, ref, value / ref))
        name = CASES[c][0]
        if '%s' in name:
            name %= size_name(a.endpoints)
        name += suffix
        print('dpdk,%s,%d,Mpps,%.3f,%.3f,%.3f'
              % (name, a.endpoints, value, ref, value / ref))
        if REPLAY:
            alk_c, io_c, mac_c = (statistics.median(cyc[p][c])
                                  for p in ('alkaid', 'io', 'macswap'))
            log('%s: cycles/frame alkaid-dpdk %.1f, testpmd io %.1f, '
                'macswap %.1f; beyond io: alkaid-dpdk %.1f, macswap %.1f'
                % (c, alk_c, io_c, mac_c, alk_c - io_c, mac_c - io_c))
            print('dpdk,%s,%d,cycles_per_frame,%.1f,%.1f,%.3f'
                  % (name, a.endpoints, alk_c, io_c, alk_c / io_c))
            # what alkaid adds to the least forwarder, beside what macswap
            # adds: the figure the endpoint table's changes move
            print('dpdk,%s_beyond_io,%d,cycles_per_frame,%.1f,%.1f,%.3f'
                  % (name, a.endpoints, alk_c - io_c, mac_c - io_c,
                     (alk_c - io_c) / max(mac_c - io_c, 1)))


if __name__ == '__main__':
    main()
