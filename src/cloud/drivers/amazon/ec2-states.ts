import type { NodeState } from '../../driver/compute-driver';

/**
 * EC2 instance states (InstanceState.Name) as v1 node states. EC2 has no reboot state: a rebooted
 * instance stays `running` throughout, so the driver never reports `rebooting` for it.
 */
const EC2_STATES: Record<string, NodeState> = {
  pending: 'pending',
  running: 'running',
  // Termination cannot be undone and v1 has no "terminating": the node is gone for every use, and
  // `extra.ec2State` keeps the exact state for callers that care.
  'shutting-down': 'terminated',
  terminated: 'terminated',
  stopping: 'stopping',
  stopped: 'stopped',
};

export function ec2State(name: unknown): NodeState {
  return EC2_STATES[(typeof name === 'string' ? name : '').toLowerCase()] ?? 'unknown';
}

/**
 * The state to answer a start or stop with, from the state-change answer EC2 gives (CurrentState).
 * After StartInstances EC2 says `pending`, which we know to be a start, hence `starting`.
 */
export function stateAfterAction(action: 'start' | 'stop', currentState: unknown): NodeState | undefined {
  if (currentState == null) return undefined;
  const state = ec2State(currentState);
  return action === 'start' && state === 'pending' ? 'starting' : state;
}
