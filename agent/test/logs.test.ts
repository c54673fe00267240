import { detectLevel } from '../src/collectors/docker/level';
import { demultiplex, toLines } from '../src/collectors/docker/demux';

const frame = (stream: number, text: string) => {
  const body = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body]);
};

describe('container log lines', () => {
  it.each([
    ['{"level":"error","msg":"db down"}', 'error'],
    ['{"level":"WARN","msg":"slow"}', 'warning'],
    ['{"level":30,"msg":"pino info"}', 'info'],
    ['{"severity":"DEBUG"}', 'debug'],
    ['time=2024-01-01 level=warn msg="disk 91%"', 'warning'],
    ['2024-01-01T00:00:00Z ERROR failed to connect', 'error'],
    ['[error] something broke', 'error'],
    ['Error: ENOENT: no such file', 'error'],
    ['2024/01/01 [notice] 1#1: start worker process', 'info'],
    ['INFO server started on :8080', 'info'],
    ['FATAL out of memory', 'error'],
    ['request completed without error in 3 ms', 'unknown'],
    ['plain text line', 'unknown'],
  ])('detects the level of %s', (line, level) => {
    expect(detectLevel(line)).toBe(level);
  });

  it('demultiplexes stdout and stderr with their Docker timestamps', () => {
    const buf = Buffer.concat([
      frame(1, '2024-05-06T07:08:09.123456789Z hello\n'),
      frame(2, '2024-05-06T07:08:10.5Z oops\n'),
      frame(1, '2024-05-06T07:08:11Z two\n2024-05-06T07:08:11.000000002Z lines\n'),
    ]);
    const lines = toLines(demultiplex(buf, false));
    const sec = Date.UTC(2024, 4, 6, 7, 8, 9) / 1000;
    expect(lines).toEqual([
      { stream: 'stdout', sec, nanos: 123456789, text: 'hello' },
      { stream: 'stderr', sec: sec + 1, nanos: 500000000, text: 'oops' },
      { stream: 'stdout', sec: sec + 2, nanos: 0, text: 'two' },
      { stream: 'stdout', sec: sec + 2, nanos: 2, text: 'lines' },
    ]);
  });

  it('treats a TTY container stream as stdout without headers', () => {
    const lines = toLines(demultiplex(Buffer.from('2024-05-06T07:08:09Z tty line\r\n'), true));
    expect(lines).toEqual([
      { stream: 'stdout', sec: Date.UTC(2024, 4, 6, 7, 8, 9) / 1000, nanos: 0, text: 'tty line' },
    ]);
  });
});
