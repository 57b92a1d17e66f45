/** What dutydesk reads from a host for a dump (process table, jcmd GC.heap_info, df), and its signed download links. */
import { matchingProcesses, parseDfAvailable, parseHeapUsed, parseProcessTable } from '../activities/dumps/jvm-probe';
import { checkDumpLink, signedDumpUrl } from '../lib/signed-link';
import { formatSize, parseSize } from '../lib/size';

test('the heap in use, for G1 and for the Parallel collector, Metaspace left out', () => {
  const g1 = [
    '12345:',
    ' garbage-first heap   total 262144K, used 21504K [0x00000000f0000000, 0x0000000100000000)',
    '  region size 1024K, 6 young (6144K), 0 survivors (0K)',
    ' Metaspace       used 6464K, committed 6656K, reserved 1114112K',
    '  class space    used 669K, committed 768K, reserved 1048576K',
  ].join('\n');
  expect(parseHeapUsed(g1)).toBe(21504 * 1024);
  const parallel = [
    ' PSYoungGen      total 76288K, used 3932K [0x00000000eab00000, 0x00000000f0000000, 0x0000000100000000)',
    '  eden space 65536K, 6% used [0x00000000eab00000,0x00000000eaed7240,0x00000000eeb00000)',
    ' ParOldGen       total 175104K, used 16384K [0x00000000c0000000, 0x00000000cab00000, 0x00000000eab00000)',
    '  object space 175104K, 9% used [0x00000000c0000000,0x00000000c1000000,0x00000000cab00000)',
    ' Metaspace       used 6441K, committed 6656K, reserved 1114112K',
  ].join('\n');
  expect(parseHeapUsed(parallel)).toBe((3932 + 16384) * 1024);
  expect(parseHeapUsed('12345:\ncom.sun.tools.attach.AttachNotSupportedException: Unable to open socket file')).toBeUndefined();
});

test('free space from df -Pk, and the process that matches, never our own shell', () => {
  const df = 'Filesystem     1024-blocks      Used Available Capacity Mounted on\n/dev/sda1        102400000  51200000  40960000      56% /var\n';
  expect(parseDfAvailable(df)).toBe(40960000 * 1024);
  expect(parseDfAvailable('df: /nope: No such file or directory')).toBeUndefined();
  const table = parseProcessTable(['  101 shop     java -Xmx2g -jar /opt/shop/shop.jar', '  202 deploy   bash -c echo $$; ps -eo pid=,user=,args= shop.jar', '  303 deploy   ps -eo pid=,user=,args='].join('\n'));
  expect(table).toHaveLength(3);
  expect(matchingProcesses(table, 'shop\\.jar', [202])).toEqual([{ pid: 101, user: 'shop', command: 'java -Xmx2g -jar /opt/shop/shop.jar' }]);
});

test('a signed link works until it expires; any change to it is refused', () => {
  const now = Date.parse('2026-11-25T10:00:00Z');
  const url = new URL(signedDumpUrl('https://desk.example.com/', 'shop-web1.hprof.gz', now + 3_600_000, 'secret'));
  expect(url.pathname).toBe('/dumps/shop-web1.hprof.gz');
  const [expires, sig] = [url.searchParams.get('expires') ?? undefined, url.searchParams.get('sig') ?? undefined];
  expect(checkDumpLink('shop-web1.hprof.gz', expires, sig, 'secret', now)).toBe('ok');
  expect(checkDumpLink('shop-web1.hprof.gz', expires, sig, 'secret', now + 3_600_001)).toBe('expired');
  expect(checkDumpLink('other.hprof.gz', expires, sig, 'secret', now)).toBe('bad-signature');
  expect(checkDumpLink('shop-web1.hprof.gz', String(now + 7_200_000), sig, 'secret', now)).toBe('bad-signature');
  expect(checkDumpLink('shop-web1.hprof.gz', expires, sig, 'another secret', now)).toBe('bad-signature');
  expect(checkDumpLink('shop-web1.hprof.gz', expires, undefined, 'secret', now)).toBe('bad-signature');
});

test('sizes as people write and read them', () => {
  expect(parseSize('512MiB')).toBe(512 * 1024 ** 2);
  expect(parseSize('1.5G')).toBe(1.5 * 1024 ** 3);
  expect(parseSize('200MB')).toBe(200 * 1024 ** 2);
  expect(parseSize(4096)).toBe(4096);
  expect(parseSize('lots')).toBeUndefined();
  expect(formatSize(18.5 * 1024 ** 2)).toBe('18.5 MiB');
  expect(formatSize(800)).toBe('800 B');
});
