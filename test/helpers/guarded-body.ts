import { claudeCodeBody } from '../bench/claude-code-request';
import { positives } from './secret-corpus';

/**
 * A Claude-Code-shaped request (the bench's builder) whose history carries a signed thinking block —
 * written with escapes JSON.stringify would not choose (`\u00e9`, `\/`) and holding a secret itself —
 * and a secret in a tool_result (`cat .env` output). A guardrail must redact the tool_result's secret
 * and leave every byte of the thinking block as it was.
 */
export function guardedClaudeCodeBody(size = 75_000): { raw: Buffer; secret: string; thinkingRaw: string } {
  const aws = positives().find((p) => p.detector === 'aws_access_key_id')!.secret;
  const body = claudeCodeBody(size);
  const messages = body.messages as Array<{ role: string; content: any }>;
  messages[2].content.unshift({ type: 'thinking', thinking: 'THINKING_PLACEHOLDER', signature: 'EqQBCkYIBxgCKkBsig/nature+with/slashes==' });
  messages[3].content[0].content = `${messages[3].content[0].content}\n$ cat .env\nAWS_ACCESS_KEY_ID=${aws}\nREGION=us-east-1\n`;
  const thinkingRaw = `The user\\u00e9 pasted ${aws} earlier \\/ keep it in mind \\ud83d\\ude00 done`;
  const raw = Buffer.from(JSON.stringify(body).replace('THINKING_PLACEHOLDER', thinkingRaw));
  return { raw, secret: aws, thinkingRaw };
}
