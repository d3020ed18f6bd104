// Preloaded (`node -r`) into a service under the allocation bench: the first SIGUSR2 starts V8's
// sampling heap profiler counting every allocation, also objects already collected (which
// `--heap-prof` drops: it reports what is still live at the end, not the garbage of a request); the
// second writes the profile to ALLOC_PROFILE_OUT.
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { PerformanceObserver, constants } = require('node:perf_hooks');

// Garbage collections during the window, by kind.
const gc = {};
const kinds = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = kinds[entry.detail.kind] ?? String(entry.detail.kind);
    gc[kind] ??= { count: 0, ms: 0 };
    gc[kind].count++;
    gc[kind].ms += entry.duration;
  }
});

const session = new inspector.Session();
session.connect();
let sampling = false;
process.on('SIGUSR2', () => {
  if (!sampling) {
    sampling = true;
    observer.observe({ entryTypes: ['gc'] });
    session.post('HeapProfiler.startSampling', {
      samplingInterval: Number(process.env.ALLOC_SAMPLING_INTERVAL ?? 1024),
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    return;
  }
  observer.disconnect();
  session.post('HeapProfiler.stopSampling', (err, result) => {
    writeFileSync(`${process.env.ALLOC_PROFILE_OUT}.gc.json`, JSON.stringify(gc));
    writeFileSync(
      process.env.ALLOC_PROFILE_OUT,
      err ? JSON.stringify({ error: String(err) }) : JSON.stringify(result.profile),
    );
    sampling = false;
  });
});
