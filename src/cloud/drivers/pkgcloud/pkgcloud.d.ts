// pkgcloud 2.2 ships no types and @types/pkgcloud (1.7) lacks `compute`: the little we use, declared here.
declare module 'pkgcloud' {
  export type Callback<T = any> = (err: any, result?: T, res?: any) => void;
  export interface ComputeClient {
    before: Array<(req: any) => void>;
    [method: string]: any;
  }
  export const compute: { createClient(options: Record<string, unknown>): ComputeClient };
  export const providers: Record<string, any>;
}
