import { describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, chooseRendererUrl, isAllowedExternalUrl, isAllowedNavigation, isLoopbackHttpUrl, isTrustedIpcSender, isTrustedRendererUrl } from './urls';

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
    'app://ballast/index.html',
  ])('refuses %s', (u) => expect(isAllowedExternalUrl(u)).toBe(false));
});

describe('where the window loads the renderer from', () => {
  it('is app://ballast/index.html in a packaged build, whatever ELECTRON_RENDERER_URL says', () => {
    expect(APP_ENTRY_URL).toBe('app://ballast/index.html');
    expect(chooseRendererUrl({ isPackaged: true, devServerUrl: undefined })).toBe(APP_ENTRY_URL);
    expect(chooseRendererUrl({ isPackaged: true, devServerUrl: 'http://localhost:5173/' })).toBe(APP_ENTRY_URL);
    expect(chooseRendererUrl({ isPackaged: true, devServerUrl: 'https://evil.example/' })).toBe(APP_ENTRY_URL);
  });

  it('honours the dev server only in an unpacked build, and only on loopback http', () => {
    expect(chooseRendererUrl({ isPackaged: false, devServerUrl: 'http://localhost:5173/' })).toBe('http://localhost:5173/');
    expect(chooseRendererUrl({ isPackaged: false, devServerUrl: 'http://127.0.0.1:5173/' })).toBe('http://127.0.0.1:5173/');
    expect(chooseRendererUrl({ isPackaged: false, devServerUrl: 'https://evil.example/' })).toBe(APP_ENTRY_URL);
    expect(chooseRendererUrl({ isPackaged: false, devServerUrl: 'http://localhost.evil.example:5173/' })).toBe(APP_ENTRY_URL);
    expect(chooseRendererUrl({ isPackaged: false, devServerUrl: 'file:///tmp/index.html' })).toBe(APP_ENTRY_URL);
    expect(chooseRendererUrl({ isPackaged: false, devServerUrl: undefined })).toBe(APP_ENTRY_URL);
  });

  it('loopback means the host, not a prefix of it', () => {
    expect(isLoopbackHttpUrl('http://localhost:1/')).toBe(true);
    expect(isLoopbackHttpUrl('http://[::1]:1/')).toBe(true);
    expect(isLoopbackHttpUrl('http://127.0.0.1.nip.io/')).toBe(false);
    expect(isLoopbackHttpUrl('http://user@localhost/')).toBe(false);
  });
});

describe('renderer identity', () => {
  const page = APP_ENTRY_URL;
  it('trusts the app:// origin and nothing that merely looks like it', () => {
    expect(isTrustedRendererUrl(page, page)).toBe(true);
    expect(isTrustedRendererUrl('app://ballast/assets/index.js', page)).toBe(true);
    expect(isTrustedRendererUrl(`${page}#/proposals`, page)).toBe(true);
    expect(isTrustedRendererUrl('app://evil/index.html', page)).toBe(false);
    expect(isTrustedRendererUrl('app://ballast.evil/index.html', page)).toBe(false);
    expect(isTrustedRendererUrl('app://user@ballast/index.html', page)).toBe(false);
    expect(isTrustedRendererUrl('file:///opt/Ballast/resources/app.asar/out/renderer/index.html', page)).toBe(false);
    expect(isTrustedRendererUrl('https://ballast/index.html', page)).toBe(false);
    expect(isTrustedRendererUrl(undefined, page)).toBe(false);
  });

  it('never trusts file://, even if asked to', () => {
    const file = 'file:///opt/Ballast/out/renderer/index.html';
    expect(isTrustedRendererUrl(file, file)).toBe(false);
  });

  it('compares dev-server pages by origin, not by prefix', () => {
    const dev = 'http://localhost:5173/';
    expect(isTrustedRendererUrl('http://localhost:5173/index.html', dev)).toBe(true);
    expect(isTrustedRendererUrl('http://localhost:51730/', dev)).toBe(false);
    expect(isTrustedRendererUrl('http://localhost:5173.evil.com/', dev)).toBe(false);
  });

  it('blocks navigation and redirects elsewhere', () => {
    expect(isAllowedNavigation('https://example.com', page)).toBe(false);
    expect(isAllowedNavigation('file:///etc/passwd', page)).toBe(false);
    expect(isAllowedNavigation(page, page)).toBe(true);
  });

  it('answers IPC from the top frame of the renderer only', () => {
    expect(isTrustedIpcSender({ frameUrl: page, isMainFrame: true }, page)).toBe(true);
    expect(isTrustedIpcSender({ frameUrl: page, isMainFrame: false }, page)).toBe(false);
    expect(isTrustedIpcSender({ frameUrl: 'https://evil.example/', isMainFrame: true }, page)).toBe(false);
    expect(isTrustedIpcSender({ frameUrl: undefined, isMainFrame: true }, page)).toBe(false);
  });
});
