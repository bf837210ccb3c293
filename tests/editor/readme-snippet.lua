-- Runs after the README's Neovim snippet was loaded as the init file (tests/lsp.rs): opens a
-- file, waits for kvlint's diagnostics, and writes what it saw to OUT.
local file, out = os.getenv('FILE'), os.getenv('OUT')
local report = io.open(out, 'w')
vim.cmd('edit ' .. file)
local bufnr = vim.api.nvim_get_current_buf()
local got = vim.wait(20000, function()
  return #vim.diagnostic.get(bufnr) > 0
end, 50)
report:write('filetype ' .. vim.bo[bufnr].filetype .. '\n')
report:write('diagnostics ' .. tostring(got) .. ' ' .. #vim.diagnostic.get(bufnr) .. '\n')
for _, client in pairs(vim.lsp.get_active_clients()) do
  report:write('client ' .. client.name .. ' ' .. tostring(client.config.root_dir) .. '\n')
end
report:close()
vim.cmd('qa!')
