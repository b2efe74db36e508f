import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadParser, parseSync } from '../../../src/advisors/parser';
import { topLevelFunctions } from '../../../src/advisors/pyFunctions';

test.before(() => loadParser('python'));

test('module-level functions and methods of module-level classes, with their def lines', () => {
  const source = [
    'import torch',
    '',
    '@torch.no_grad()',
    'def predict(x, batch=8):',
    '    def helper(y):',
    '        return y',
    '    return helper(x)',
    '',
    'async def serve(request):',
    '    pass',
    '',
    'class Model:',
    '    def __init__(self):',
    '        pass',
    '    @staticmethod',
    '    def forward(',
    '        x,',
    '    ):',
    '        return x',
    '',
    'if __name__ == "__main__":',
    '    def not_top_level():',
    '        pass',
    's = """',
    'def inside_a_string():',
    '"""',
  ].join('\n');
  assert.deepEqual(topLevelFunctions(parseSync(source, 'python')), [
    { name: 'predict', line: 3, parameters: '(x, batch=8)', isAsync: false },
    { name: 'serve', line: 8, parameters: '(request)', isAsync: true },
    { name: 'Model.__init__', line: 12, parameters: '(self)', isAsync: false },
    { name: 'Model.forward', line: 15, parameters: '( x, )', isAsync: false },
  ]);
});
