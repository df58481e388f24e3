// The standard validators, run by the tests on the documents the service serves (no network: the packages are
// installed from package-lock.json by deploy/local/assets.sh).
//   asyncapi FILE                 -> {"errors":[...], "warnings":N}    @asyncapi/parser diagnostics
//   messages ASYNCAPI JSONL       -> {"checked":N, "failures":[...]}   every received message against its AsyncAPI schemas
//   responses OPENAPI JSONL       -> {"checked":N, "failures":[...]}   real responses against the OpenAPI component schemas
import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const [command, ...args] = process.argv.slice(2);
const lines = (file) => readFileSync(file, 'utf8').split('\n').filter((l) => l.trim().length > 0).map((l) => JSON.parse(l));

// Strict as a subscriber should be: every error, every format checked, unknown formats refused.
function validator(Kind) {
  const ajv = new Kind({ allErrors: true, strict: false, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat('int32', { type: 'number', validate: (n) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n) => Number.isInteger(n) });
  return ajv;
}

async function parseAsyncApi(file) {
  const { document, diagnostics } = await new Parser().parse(readFileSync(file, 'utf8'));
  return { document, errors: diagnostics.filter((d) => d.severity === 0), warnings: diagnostics.filter((d) => d.severity === 1) };
}

if (command === 'asyncapi') {
  const { errors, warnings } = await parseAsyncApi(args[0]);
  console.log(JSON.stringify({ errors: errors.map((d) => `${d.code}: ${d.message} at ${JSON.stringify(d.path)}`), warnings: warnings.length }));
} else if (command === 'messages') {
  const { document, errors } = await parseAsyncApi(args[0]);
  if (!document) throw new Error('the AsyncAPI document does not parse: ' + JSON.stringify(errors));
  const ajv = validator(Ajv);
  const byType = new Map();
  for (const message of document.components().messages()) {
    const json = message.json();
    byType.set(`urn:message:Consent.Contracts:${message.id()}`, {
      payload: ajv.compile(JSON.parse(JSON.stringify(json.payload))),
      headers: json.headers ? ajv.compile(JSON.parse(JSON.stringify(json.headers))) : null,
    });
  }
  const failures = [];
  let checked = 0;
  for (const received of lines(args[1])) {
    const type = received.body?.messageType?.[0];
    const schemas = byType.get(type);
    if (!schemas) { failures.push({ type, error: 'no AsyncAPI message for this messageType' }); continue; }
    for (const [part, validate, value] of [['payload', schemas.payload, received.body], ['headers', schemas.headers, received.headers]]) {
      if (!validate) failures.push({ type, part, error: 'the message documents no schema for its AMQP headers' });
      else if (!validate(value)) failures.push({ type, part, messageId: received.body.messageId, errors: validate.errors });
    }
    checked++;
  }
  console.log(JSON.stringify({ checked, failures }));
} else if (command === 'responses') {
  const ajv = validator(Ajv2020);
  ajv.addSchema(JSON.parse(readFileSync(args[0], 'utf8')), 'openapi');
  const failures = [];
  let checked = 0;
  for (const { schema, body, what } of lines(args[1])) {
    const validate = ajv.compile({ $ref: `openapi#/components/schemas/${schema}` });
    if (!validate(body)) failures.push({ what, schema, errors: validate.errors });
    checked++;
  }
  console.log(JSON.stringify({ checked, failures }));
} else {
  throw new Error('usage: api-documents.mjs asyncapi FILE | messages ASYNCAPI JSONL | responses OPENAPI JSONL');
}
