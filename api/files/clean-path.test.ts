import { cleanPath } from './clean-path';

describe('cleanPath (Go path.Clean)', () => {
  // Cases from Go's path/path_test.go.
  it.each([
    ['', '.'],
    ['abc', 'abc'],
    ['abc/def', 'abc/def'],
    ['a/b/c', 'a/b/c'],
    ['.', '.'],
    ['..', '..'],
    ['../..', '../..'],
    ['../../abc', '../../abc'],
    ['/abc', '/abc'],
    ['/', '/'],
    ['abc/', 'abc'],
    ['abc/def/', 'abc/def'],
    ['a/b/c/', 'a/b/c'],
    ['./', '.'],
    ['../', '..'],
    ['../../', '../..'],
    ['/abc/', '/abc'],
    ['abc//def//ghi', 'abc/def/ghi'],
    ['//abc', '/abc'],
    ['///abc', '/abc'],
    ['//abc//', '/abc'],
    ['abc//', 'abc'],
    ['abc/./def', 'abc/def'],
    ['/./abc/def', '/abc/def'],
    ['abc/.', 'abc'],
    ['abc/def/ghi/../jkl', 'abc/def/jkl'],
    ['abc/def/../ghi/../jkl', 'abc/jkl'],
    ['abc/def/..', 'abc'],
    ['abc/def/../..', '.'],
    ['/abc/def/../..', '/'],
    ['abc/def/../../..', '..'],
    ['/abc/def/../../..', '/'],
    ['abc/def/../../../ghi/jkl/../../../mno', '../../mno'],
    ['abc/./../def', 'def'],
    ['abc//./../def', 'def'],
    ['abc/../../././../def', '../../def'],
    ['./a/../b', 'b'],
  ])('cleans %j to %j', (input, expected) => {
    expect(cleanPath(input)).toBe(expected);
  });
});
