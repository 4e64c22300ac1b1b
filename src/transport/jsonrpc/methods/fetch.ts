/** fetchFileHTTP (working_with_files_json.md, "Copy a File"): returns a bare code; 0 means queued. */
import { bareCode, PATH, str, TOKEN, type MethodDef } from '../method.js';

export const fetchMethods: Record<string, MethodDef> = {
  fetchFileHTTP: {
    params: [TOKEN, PATH, { name: 'uri', type: 'string' }, { name: 'flags', type: 'any', default: 0 }],
    takesToken: true,
    failure: bareCode,
    async run(s, a) {
      const caller = await s.sessions.resolve(str(a, 'token'));
      await s.fetchJobs.submit(caller, str(a, 'path'), str(a, 'uri'), a['flags']);
      return 0;
    },
  },
};
