// Which xterm.js renderer a new terminal gets: WebGL (@xterm/addon-webgl) or
// xterm.js's own DOM renderer.
//
// WebGL is the fast one on a GPU. But a browser without a usable GPU (a VM,
// a remote desktop, a blocklisted driver, headless Chromium) still offers
// WebGL 2, drawn by a software rasteriser (SwiftShader, llvmpipe), and then
// composites the page in software too: every frame the terminal paints, the
// renderer process waits while the canvas is read back from the GPU process
// (GLES2::ReadPixels inside the frame's commit). Measured in headless
// Chromium here: 30–100 ms of a blocked page per paint during a flood, 28 %
// of the page's main thread, and the prompt after Ctrl+C drawn later than
// with the DOM renderer (docs/ARCHITECTURE.md, "Terminal drawing"). So
// "auto" takes WebGL only when the WebGL renderer the browser reports is not
// a known software one.
//
// The renderer string comes from WEBGL_debug_renderer_info when the browser
// exposes it (Chromium and Electron do), else from RENDERER, which some
// browsers mask; a masked string counts as hardware, as before this check.

/** The person's choice in Settings: 'auto' (the default), or one renderer always. */
export type TerminalRendererSetting = 'auto' | 'webgl' | 'dom';
/** The renderer a terminal gets. */
export type TerminalRenderer = 'webgl' | 'dom';

/** Renderer strings of software rasterisers (Chromium's SwiftShader, Mesa's llvmpipe/softpipe/lavapipe, Windows' WARP). */
const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|lavapipe|software|basic render driver|\bwarp\b/i;

let probed: string | null | undefined;

/**
 * The WebGL 2 renderer string of this browser (e.g. "ANGLE (Google, Vulkan
 * 1.3.0 (SwiftShader Device …))"), '' when WebGL 2 is there but says
 * nothing, or null when there is no WebGL 2. Probed once per page with a
 * throwaway context, which is released at once (a page may hold only about
 * 16 WebGL contexts, and every terminal tab wants one).
 */
export function webglRendererName(): string | null {
  if (probed !== undefined) return probed;
  probed = null;
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (gl) {
      const info = gl.getExtension('WEBGL_debug_renderer_info');
      const name: unknown = gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
      probed = typeof name === 'string' ? name : '';
      gl.getExtension('WEBGL_lose_context')?.loseContext();
    }
  } catch {
    probed = null;
  }
  return probed;
}

/** Whether a renderer string names a software rasteriser (SOFTWARE_GL). */
export function isSoftwareGl(name: string): boolean {
  return SOFTWARE_GL.test(name);
}

/**
 * The renderer for a new terminal: the setting when it names one; for 'auto',
 * WebGL unless there is no WebGL 2 or it is drawn in software.
 */
export function chooseRenderer(setting: TerminalRendererSetting): TerminalRenderer {
  if (setting !== 'auto') return setting;
  const name = webglRendererName();
  return name === null || isSoftwareGl(name) ? 'dom' : 'webgl';
}
