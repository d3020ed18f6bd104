// Preloaded (`node -r`) into a service under the allocation bench: the first SIGUSR2 starts V8's
// sampling heap profiler counting every allocation, also objects already collected (which
// `--heap-prof` drops: it reports what is still live at the end, not the garbage of a request); the
// second writes the profile to ALLOC_PROFILE_OUT.
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');

const session = new inspector.Session();
session.connect();
let sampling = false;
process.on('SIGUSR2', () => {
  if (!sampling) {
    sampling = true;
    session.post('HeapProfiler.startSampling', {
      samplingInterval: Number(process.env.ALLOC_SAMPLING_INTERVAL ?? 1024),
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    return;
  }
  session.post('HeapProfiler.stopSampling', (err, result) => {
    writeFileSync(
      process.env.ALLOC_PROFILE_OUT,
      err ? JSON.stringify({ error: String(err) }) : JSON.stringify(result.profile),
    );
    sampling = false;
  });
});
