/**
 * GET /dumps/<file>?expires=…&sig=…: a dump too big for chat, served from
 * dumps.dir while its signed link is valid. A tampered or expired link gets
 * 403; a file removed by retention 404.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';
import { readSecret, type LoadedConfig } from '../../config/load';
import { checkDumpLink } from '../../lib/signed-link';

export function dumpLinkRouter(config: LoadedConfig): Router {
  const router = express.Router();
  const secret = config.dumps.linkSecret ? readSecret(config.dumps.linkSecret, config).trim() : undefined;
  router.get('/dumps/:name', (req, res) => {
    const name = req.params.name;
    if (!secret) return res.status(404).json({ error: 'download links are off: set dumps.linkSecret' });
    const query = (key: string) => (typeof req.query[key] === 'string' ? (req.query[key] as string) : undefined);
    const check = checkDumpLink(name, query('expires'), query('sig'), secret);
    if (check === 'expired') return res.status(403).json({ error: 'this link has expired; take the dump again or ask for a new link' });
    if (check !== 'ok') return res.status(403).json({ error: 'this link is not valid (changed or incomplete)' });
    // A signed name is ours, but a path separator would still leave the folder.
    if (name !== path.basename(name)) return res.status(403).json({ error: 'this link is not valid' });
    const file = path.join(config.dumps.dir, name);
    if (!existsSync(file)) return res.status(404).json({ error: 'the file is no longer kept (dumps.retention)' });
    // dumps.dir is often under a dot-folder (.data), which express refuses to serve unless told.
    res.download(path.resolve(file), name, { dotfiles: 'allow' });
  });
  return router;
}
