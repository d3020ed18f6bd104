import { ec2State } from './ec2-states';
import { ec2Filters } from './ec2-filters';

describe('ec2Filters', () => {
  it('maps name, metadata and states onto DescribeInstances filters', () => {
    expect(
      ec2Filters({
        name: { prefix: 'web-' },
        metadata: { team: 'web', tier: 'a*b?' },
        states: ['running', 'terminated'],
      }),
    ).toEqual([
      { Name: 'tag:Name', Values: ['web-*'] },
      { Name: 'tag:team', Values: ['web'] },
      { Name: 'tag:tier', Values: ['a\\*b\\?'] },
      { Name: 'instance-state-name', Values: ['running', 'shutting-down', 'terminated'] },
    ]);
    expect(ec2Filters({ name: { exact: 'c:\\x*' } })).toEqual([{ Name: 'tag:Name', Values: ['c:\\\\x\\*'] }]);
  });

  it('sends nothing for no filter, and no state part for states EC2 never reports', () => {
    expect(ec2Filters(undefined)).toEqual([]);
    expect(ec2Filters({})).toEqual([]);
    expect(ec2Filters({ states: ['running', 'rebooting'] })).toEqual([]);
    expect(ec2Filters({ states: ['unknown'] })).toEqual([]);
  });

  it('is the exact inverse of ec2State for every state it sends', () => {
    for (const state of ['pending', 'running', 'stopping', 'stopped', 'terminated'] as const) {
      const [filter] = ec2Filters({ states: [state] });
      expect(filter.Values.map(ec2State)).toEqual(filter.Values.map(() => state));
    }
    // And every EC2 state name maps to a state whose filter includes it.
    for (const name of ['pending', 'running', 'shutting-down', 'terminated', 'stopping', 'stopped']) {
      expect(ec2Filters({ states: [ec2State(name)] })[0].Values).toContain(name);
    }
  });
});
