import { CloudError } from '../../driver/cloud-error';
import { isEc2NotFound, RecentWrites, settleDelays, settleRecent } from './ec2-consistency';

const ec2Error = (kind: 'not_found' | 'invalid_reference' | 'conflict', code: string) =>
  new CloudError(kind, code, { cause: { code } });

describe('EC2 read-after-write helpers', () => {
  afterEach(() => jest.useRealTimers());

  it('remembers a name until its TTL has passed, then forgets it', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const recent = new RecentWrites(5_000);
    recent.remember('i-1');
    expect(recent.has('i-1')).toBe(true);
    expect(recent.has('i-2')).toBe(false);
    expect(recent.has(undefined)).toBe(false);
    jest.setSystemTime(1_004_999);
    expect(recent.has('i-1')).toBe(true);
    jest.setSystemTime(1_005_000);
    expect(recent.has('i-1')).toBe(false);
  });

  it('counts only *.NotFound answers (and driver-made not_found) as "not there yet"', () => {
    expect(isEc2NotFound(ec2Error('not_found', 'InvalidInstanceID.NotFound'))).toBe(true);
    expect(isEc2NotFound(ec2Error('invalid_reference', 'InvalidKeyPair.NotFound'))).toBe(true);
    expect(isEc2NotFound(new CloudError('not_found', 'missing from the answer'))).toBe(true);
    expect(isEc2NotFound(ec2Error('not_found', 'InvalidInstanceID.Malformed'))).toBe(false);
    expect(isEc2NotFound(ec2Error('invalid_reference', 'InvalidAMIID.Malformed'))).toBe(false);
    expect(isEc2NotFound(ec2Error('conflict', 'IncorrectInstanceState'))).toBe(false);
    expect(isEc2NotFound(new Error('InvalidInstanceID.NotFound'))).toBe(false);
  });

  it('keeps the pauses within the budget', () => {
    expect(settleDelays(15_000)).toEqual([200, 400, 800, 1600]);
    expect(settleDelays(1_500)).toEqual([200, 400, 800]);
    expect(settleDelays(100)).toEqual([]);
  });

  it('retries NotFound only for recent names, at most once per pause, then lets it through', async () => {
    const notFound = ec2Error('not_found', 'InvalidInstanceID.NotFound');
    let calls = 0;
    const failing = async () => {
      calls++;
      throw notFound;
    };
    await expect(settleRecent(false, failing, [1, 1])).rejects.toBe(notFound);
    expect(calls).toBe(1);
    calls = 0;
    await expect(settleRecent(true, failing, [1, 1])).rejects.toBe(notFound);
    expect(calls).toBe(3);
    calls = 0;
    const conflict = ec2Error('conflict', 'IncorrectInstanceState');
    await expect(
      settleRecent(
        true,
        async () => {
          calls++;
          throw conflict;
        },
        [1, 1],
      ),
    ).rejects.toBe(conflict);
    expect(calls).toBe(1);
  });
});
