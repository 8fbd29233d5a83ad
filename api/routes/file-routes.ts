/**
 * `/runners/{id}/files` (list, PATCH) and `/runners/{id}/files/raw` (download). Each records runner activity. All
 * three run through the ExecPort without a TTY, so they work the same on every backend.
 */
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { RequestHandler, Response } from 'express';
import { lenientBool } from '../decode/go-parse-bool';
import { rejectNul } from '../decode/input-checks';
import { decodeFilePatchBody } from '../decode/request-bodies';
import { contentDisposition } from '../files/content-disposition';
import { downloadFile } from '../files/download-file';
import { listFiles } from '../files/list-files';
import { patchFiles } from '../files/patch-files';
import { sendEmpty } from '../http/go-json';
import { queryValue } from '../http/query';
import { readBody } from '../http/read-body';
import type { RouteDefinition } from '../http/route-table';
import type { RouteContext } from './route-context';
import { lookupRunner, runnerOf, touchRunner } from './runner-lookup';

/** Streams `body` as the response; a failure mid-way cuts the connection (the status is already sent). */
async function stream(res: Response, body: Readable): Promise<void> {
  try {
    await pipeline(body, res);
  } catch {
    res.destroy();
  }
}

function list(context: RouteContext): RequestHandler {
  return async (req, res) => {
    const path = queryValue(req, 'path') || './';
    rejectNul(path, 'the path');
    const body = await listFiles(context.services.exec, {
      runnerId: runnerOf(res).id,
      path,
      recursive: lenientBool(queryValue(req, 'recursive'), true),
      privileged: lenientBool(queryValue(req, 'privilegedExecution'), false),
    });
    res.status(200).setHeader('Content-Type', 'application/json');
    await stream(res, body);
  };
}

function patch(context: RouteContext): RequestHandler {
  return async (req, res) => {
    const body = decodeFilePatchBody(await readBody(req, context.config.maxBodyBytes));
    await patchFiles(context.services.exec, runnerOf(res).id, body);
    sendEmpty(res, 204);
  };
}

function download(context: RouteContext): RequestHandler {
  return async (req, res) => {
    const path = queryValue(req, 'path') ?? '';
    res.setHeader('Content-Disposition', contentDisposition(path));
    rejectNul(path, 'the path');
    const file = await downloadFile(context.services.exec, {
      runnerId: runnerOf(res).id,
      path,
      privileged: lenientBool(queryValue(req, 'privilegedExecution'), false),
      maxBufferedBytes: context.config.maxBodyBytes,
    });
    res.status(200);
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Length', file.size);
    await stream(res, file.body);
  };
}

/** The routes. */
export function fileRoutes(context: RouteContext): RouteDefinition[] {
  const before = [context.auth, lookupRunner(context.services.runners), touchRunner(context.services.runners)];
  return [
    {
      path: '/api/v1/runners/:runnerId/files',
      methods: { GET: [...before, list(context)], PATCH: [...before, patch(context)] },
    },
    { path: '/api/v1/runners/:runnerId/files/raw', methods: { GET: [...before, download(context)] } },
  ];
}
