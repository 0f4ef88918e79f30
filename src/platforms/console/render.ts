import type { Block, ButtonSpec, Reply } from "../../reply.ts";

/** Writes a file a reply attaches (a chart) and says where it is; without one, files are only named. */
export type SaveFile = (file: Extract<Block, { type: "file" }>) => string;

/** Renders a Reply as terminal text; buttons become numbered choices starting at `firstNumber`. */
export function renderReply(reply: Reply, firstNumber = 1, saveFile?: SaveFile): { text: string; buttons: ButtonSpec[] } {
  const lines: string[] = [];
  const buttons: ButtonSpec[] = [];
  for (const block of reply.blocks) lines.push(...renderBlock(block, buttons, firstNumber, saveFile));
  return { text: lines.join("\n"), buttons };
}

function renderBlock(block: Block, buttons: ButtonSpec[], firstNumber: number, saveFile?: SaveFile): string[] {
  switch (block.type) {
    case "header":
      return [`== ${block.text} ==`];
    case "text":
    case "context":
      return [block.text];
    case "fields":
      return block.fields.map((f) => `  ${f.label}: ${f.value}`);
    case "copy":
      return [`  ${block.label}:`, `    ${block.value}`];
    case "image":
      return [`  [${block.alt}: ${block.mime}, sha256 ${block.sha256.slice(0, 16)}…]`];
    case "link":
      return [`  ${block.label}: ${block.url}`];
    case "divider":
      return ["  ----"];
    case "file":
      return [`  📎 ${block.title}: ${saveFile ? saveFile(block) : `${block.name} (${block.bytes.length} bytes)`}`];
    case "buttons":
      return block.buttons.map((b) => {
        buttons.push(b);
        return `  [${firstNumber + buttons.length - 1}] ${b.label}`;
      });
  }
}
