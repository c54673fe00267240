// Preloaded (`node -r`) into a process whose wall clock the fault suite skews: Date.now() and
// `new Date()` run FAULT_CLOCK_SKEW_SECONDS ahead (negative: behind). Timers are untouched (they
// use the monotonic clock), as with a host whose clock is wrong.
'use strict';
const skewMs = Number(process.env.FAULT_CLOCK_SKEW_SECONDS || 0) * 1000;
if (skewMs) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  class SkewedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(realNow() + skewMs);
      else super(...args);
    }
    static now() {
      return realNow() + skewMs;
    }
  }
  globalThis.Date = SkewedDate;
}
