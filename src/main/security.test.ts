import { describe, expect, it } from 'vitest';
import { isAllowedExternalUrl, isAllowedNavigation, isTrustedRendererUrl } from './security';

describe('external link policy', () => {
  it.each(['https://example.com/docs', 'http://localhost:8080/x'])('allows %s', (u) => expect(isAllowedExternalUrl(u)).toBe(true));
  it.each([
    'file:///etc/passwd',
    'javascript:alert(1)',
    'smb://server/share',
    'data:text/html,<script>1</script>',
    'https://user:pw@example.com/',
    'not a url',
    'ms-msdt:/id',
    'https://',
  ])('refuses %s', (u) => expect(isAllowedExternalUrl(u)).toBe(false));
});

describe('renderer identity', () => {
  const page = 'file:///opt/Ballast/resources/app.asar/out/renderer/index.html';
  it('trusts only the renderer file itself', () => {
    expect(isTrustedRendererUrl(page, page)).toBe(true);
    expect(isTrustedRendererUrl(`${page}#/proposals`, page)).toBe(true);
    expect(isTrustedRendererUrl('file:///tmp/evil/index.html', page)).toBe(false);
    expect(isTrustedRendererUrl('https://evil.example/out/renderer/index.html', page)).toBe(false);
    expect(isTrustedRendererUrl(undefined, page)).toBe(false);
  });
  it('compares dev-server pages by origin, not by prefix', () => {
    const dev = 'http://localhost:5173/';
    expect(isTrustedRendererUrl('http://localhost:5173/index.html', dev)).toBe(true);
    expect(isTrustedRendererUrl('http://localhost:51730/', dev)).toBe(false);
    expect(isTrustedRendererUrl('http://localhost:5173.evil.com/', dev)).toBe(false);
  });
  it('blocks navigation elsewhere', () => {
    expect(isAllowedNavigation('https://example.com', page)).toBe(false);
    expect(isAllowedNavigation(page, page)).toBe(true);
  });
});
