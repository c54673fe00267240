import { fsDetail } from './format';

describe('fsDetail: a filesystem beside its df-style percentage', () => {
  it('names used, available and total when the agent reports available bytes (the gap is the root reserve)', () => {
    // 40 MiB used, 2 MiB left for non-root users, 55 MiB in all: df says 95 %, used / total 73 %.
    expect(fsDetail({ fsUsedBytes: 40 * 2 ** 20, fsAvailBytes: 2 * 2 ** 20, fsTotalBytes: 55 * 2 ** 20 })).toBe(
      '40 MiB used, 2 MiB available of 55 MiB'
    );
  });

  it('falls back to used of total for agents that report no available bytes', () => {
    expect(fsDetail({ fsUsedBytes: 2 ** 30, fsAvailBytes: null, fsTotalBytes: 4 * 2 ** 30 })).toBe('1 GiB of 4 GiB');
    expect(fsDetail({ fsUsedBytes: null, fsTotalBytes: null })).toBe('– of –');
  });
});
