/** mediaVaultUrl (working_with_files_json.md, "Generate MediaVault URLs"). */
import { num, PATH, str, TOKEN, type MethodDef } from '../method.js';

export const mediaVaultMethods: Record<string, MethodDef> = {
  mediaVaultUrl: {
    params: [TOKEN, PATH, { name: 'expiry', type: 'int', default: 0 }],
    takesToken: true,
    failure: (code) => ({ code, message: code === -10001 ? 'invalid token' : 'failure' }),
    async run(s, a) {
      const urls = await s.mediavault.urls(str(a, 'token'), str(a, 'path'), num(a, 'expiry'));
      return { code: 0, download_url: urls.downloadUrl, message: 'success', preview_url: urls.previewUrl };
    },
  },
};
