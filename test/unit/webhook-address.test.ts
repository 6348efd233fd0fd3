import { checkWebhookUrl, isPublicAddress } from '../../outbound/webhooks/address';

describe('which addresses count as public (SSRF protection)', () => {
  it.each([
    ['0.0.0.0', 'this network'],
    ['0.1.2.3', 'this network'],
    ['10.1.2.3', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['192.0.2.1', 'documentation'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback, spelled out'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local with a zone'],
    ['febf::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['64:ff9b::7f00:1', 'NAT64'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, in hex'],
    ['0:0:0:0:0:ffff:a01:203', 'IPv4-mapped private, spelled out'],
    ['::ffff:169.254.169.254', 'IPv4-mapped link-local'],
    ['localhost', 'a name, not an address'],
    ['example.com', 'a name, not an address'],
    ['127.1', 'a shorthand the URL parser expands, but not an address as given'],
    ['', 'nothing'],
  ])('refuses %s (%s)', (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each([
    ['93.184.216.34'],
    ['8.8.8.8'],
    ['1.1.1.1'],
    ['100.63.255.255'],
    ['100.128.0.0'],
    ['172.15.255.255'],
    ['172.32.0.0'],
    ['192.0.1.1'],
    ['198.17.255.255'],
    ['198.20.0.0'],
    ['223.255.255.255'],
    ['2606:4700:4700::1111'],
    ['2001:4860:4860::8888'],
    ['fec0::1'],
    ['::ffff:93.184.216.34'],
    ['::ffff:5db8:d822'],
  ])('accepts %s', (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });
});

describe('checking a webhook url before it is registered', () => {
  const strict = { allowPrivate: false };

  it('refuses http when private addresses are not allowed', async () => {
    expect(await checkWebhookUrl('http://93.184.216.34/hook', strict)).toEqual({
      ok: false,
      message: 'url must use https',
    });
  });

  it.each([
    ['https://127.0.0.1/'],
    ['https://[::1]/'],
    ['https://10.1.2.3/'],
    ['https://169.254.169.254/latest/meta-data/'],
    ['https://[::ffff:127.0.0.1]/'],
    ['https://2130706433/'],
    ['https://0x7f.1/'],
  ])('refuses %s, a private, loopback or link-local address', async (raw) => {
    expect(await checkWebhookUrl(raw, strict)).toEqual({
      ok: false,
      message: 'url points to a private, loopback or link-local address',
    });
  });

  it('refuses a name that resolves to a loopback address', async () => {
    expect(await checkWebhookUrl('https://localhost/', strict)).toEqual({
      ok: false,
      message: 'url resolves to a private, loopback or link-local address',
    });
  });

  it('refuses a name that does not resolve', async () => {
    expect(await checkWebhookUrl('https://no-such-host.invalid/', strict)).toEqual({
      ok: false,
      message: 'url host does not resolve',
    });
  });

  it('accepts an https url whose host is a public address', async () => {
    const check = await checkWebhookUrl('https://93.184.216.34/hooks/cancellations', strict);
    expect(check.ok).toBe(true);
    expect(check.ok && check.url.href).toBe('https://93.184.216.34/hooks/cancellations');
  });

  it('accepts http to a loopback address when private addresses are allowed', async () => {
    expect(await checkWebhookUrl('http://127.0.0.1:1234/', { allowPrivate: true })).toMatchObject({ ok: true });
  });

  it.each([
    ['not a url', 'url must be a valid absolute url'],
    ['/relative/path', 'url must be a valid absolute url'],
    ['https://user:pass@93.184.216.34/', 'url must not contain a username or password'],
    ['https://user@93.184.216.34/', 'url must not contain a username or password'],
    ['ftp://93.184.216.34/', 'url must use https'],
  ])('refuses %s', async (raw, message) => {
    expect(await checkWebhookUrl(raw, strict)).toEqual({ ok: false, message });
  });

  it('refuses a url longer than 2048 characters', async () => {
    const raw = `https://93.184.216.34/${'a'.repeat(2048 - 'https://93.184.216.34/'.length)}`;
    expect(await checkWebhookUrl(raw, strict)).toMatchObject({ ok: true });
    expect(await checkWebhookUrl(`${raw}a`, strict)).toEqual({
      ok: false,
      message: 'url must be at most 2048 characters',
    });
  });

  it('still refuses schemes other than http and https when private addresses are allowed', async () => {
    expect(await checkWebhookUrl('file:///etc/passwd', { allowPrivate: true })).toEqual({
      ok: false,
      message: 'url must use http or https',
    });
  });
});
