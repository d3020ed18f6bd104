import { problemType } from '../api/problem/problem';
import { ProblemException } from '../api/problem/problem.exception';
import { nodeSetPath } from './node-set-view';

/** The problem type of a node that cannot be destroyed alone because a live node set holds it. */
export const NODE_SET_MEMBER_PROBLEM = problemType('node-set-member');

/** 409 `node-set-member`: the node is member `member` of live set `setId`; the set is deleted as a whole. */
export function memberProblem(cloud: string, nodeId: string, setId: string, member: string): ProblemException {
  return new ProblemException(
    409,
    `cloud "${cloud}": node ${nodeId} is member "${member}" of node set ${setId}; destroying it alone would break ` +
      `the set's all-or-nothing promise: delete the whole set with DELETE ${nodeSetPath(setId)}`,
    {
      type: NODE_SET_MEMBER_PROBLEM,
      title: 'The node is a member of a node set',
      cloud,
      nodeSet: setId,
      member,
    },
  );
}
