import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A window on the virtual screen, in screen pixels. */
export interface ScreenWindow {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * An X display of its own (Xvfb), for what headless Chromium does not draw: its notification
 * pop-ups. Tests look at the screen as a person would (a screenshot of the whole display) and
 * click on it with a real pointer (xdotool), so the browser sees a real user's click.
 */
export interface VirtualScreen {
  /** The value for DISPLAY, e.g. `:5`. */
  readonly display: string;
  readonly width: number;
  readonly height: number;
  /** Unnamed top-level windows the browser maps over the screen: its notification pop-ups. */
  popups(): Promise<ScreenWindow[]>;
  /** Saves the screen (or one region of it) as a PNG. */
  screenshot(file: string, region?: ScreenWindow): Promise<void>;
  click(x: number, y: number): Promise<void>;
  stop(): Promise<void>;
}

const WIDTH = 1280;
const HEIGHT = 800;

/** Xvfb tells the display it chose on a file descriptor of ours: no guessing a free number. */
function readDisplayNumber(xvfb: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const pipe = xvfb.stdio[3];
    if (pipe === null || pipe === undefined || !('on' in pipe)) {
      reject(new Error('Xvfb has no display pipe'));
      return;
    }
    let text = '';
    pipe.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.includes('\n')) resolve(text.trim());
    });
    xvfb.once('exit', (code) => {
      reject(new Error(`Xvfb exited (${String(code)}) before it opened a display`));
    });
  });
}

// `xwininfo -root -children` lists each child of the root window as
//     0x200011 (has no name): ()  360x90+910+700  +910+700
const UNNAMED_WINDOW = /^\s*0x[0-9a-f]+ \(has no name\): \(\)\s+(\d+)x(\d+)\+(-?\d+)\+(-?\d+)/;

export async function startVirtualScreen(): Promise<VirtualScreen> {
  const xvfb = spawn(
    'Xvfb',
    [
      '-displayfd',
      '3',
      '-screen',
      '0',
      `${String(WIDTH)}x${String(HEIGHT)}x24`,
      '-nolisten',
      'tcp',
    ],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] },
  );
  const display = `:${await readDisplayNumber(xvfb)}`;
  const env = { ...process.env, DISPLAY: display };
  return {
    display,
    width: WIDTH,
    height: HEIGHT,
    async popups() {
      const { stdout } = await run('xwininfo', ['-root', '-children'], { env });
      return stdout.split('\n').flatMap((line) => {
        const match = UNNAMED_WINDOW.exec(line);
        if (match === null) return [];
        const [width, height, x, y] = match.slice(1).map(Number) as [
          number,
          number,
          number,
          number,
        ];
        // Chromium also keeps 1×1 and off-screen helper windows; a pop-up is a visible card.
        const onScreen = x >= 0 && y >= 0 && x + width <= WIDTH && y + height <= HEIGHT;
        return onScreen && width > 100 && height > 40 ? [{ x, y, width, height }] : [];
      });
    },
    async screenshot(file, region) {
      const crop =
        region === undefined
          ? []
          : [
              '-crop',
              `${String(region.width)}x${String(region.height)}+${String(region.x)}+${String(region.y)}`,
            ];
      await run('import', ['-window', 'root', ...crop, file], { env });
    },
    async click(x, y) {
      await run('xdotool', ['mousemove', String(x), String(y), 'click', '1'], { env });
    },
    async stop() {
      if (xvfb.exitCode !== null) return;
      const exited = new Promise((resolve) => xvfb.once('exit', resolve));
      xvfb.kill('SIGTERM');
      await exited;
    },
  };
}
