-- Neovim's own LSP client against `kvlint lsp` (tests/lsp.rs runs it headless): open a file,
-- wait for kvlint's diagnostics, apply the fix-all code action, write the buffer.
-- Reads KVLINT (the binary), FILE, ROOT and OUT (a report) from the environment.
local kvlint, file, root, out = os.getenv('KVLINT'), os.getenv('FILE'), os.getenv('ROOT'), os.getenv('OUT')
local report = io.open(out, 'w')
local function say(line)
  report:write(line .. '\n')
  report:flush()
end

vim.lsp.set_log_level('debug')
vim.cmd('edit ' .. file)
local bufnr = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({ name = 'kvlint', cmd = { kvlint, 'lsp' }, root_dir = root })
vim.lsp.buf_attach_client(bufnr, client_id)

local got = vim.wait(20000, function()
  return #vim.diagnostic.get(bufnr) > 0
end, 50)
say('diagnostics ' .. tostring(got) .. ' ' .. #vim.diagnostic.get(bufnr))
for _, d in ipairs(vim.diagnostic.get(bufnr)) do
  say(string.format('diagnostic %d:%d %s', d.lnum + 1, d.col + 1, d.code or d.user_data and d.user_data.lsp.code or '?'))
end

local params = {
  textDocument = { uri = vim.uri_from_bufnr(bufnr) },
  range = { start = { line = 0, character = 0 }, ['end'] = { line = 0, character = 0 } },
  context = { diagnostics = {}, only = { 'source.fixAll.kvlint' } },
}
local results = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, 20000) or {}
local applied = 0
for _, res in pairs(results) do
  for _, action in ipairs(res.result or {}) do
    if action.edit then
      vim.lsp.util.apply_workspace_edit(action.edit, 'utf-16')
      applied = applied + 1
      say('applied ' .. action.title)
    end
  end
end
say('actions applied ' .. applied)
vim.cmd('write')
say('lsp log ' .. vim.lsp.get_log_path())
vim.lsp.stop_client(client_id)
report:close()
vim.cmd('qa!')
