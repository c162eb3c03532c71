import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clientCharset, dialectOf, orderViews, qualifiedNames, retargetDatabase, stripDefiner, stripTriggerOrder, targetStatement } from './mysql-object-ddl.js';

const PLAIN = dialectOf('NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION');
const ANSI = dialectOf('PIPES_AS_CONCAT,ANSI_QUOTES');
const NO_BACKSLASH = dialectOf('NO_BACKSLASH_ESCAPES');

describe('stripDefiner', () => {
  test('drops the clause of every kind, keeping what surrounds it', () => {
    assert.equal(
      stripDefiner('CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`127.0.0.1` SQL SECURITY DEFINER VIEW `v` AS select 1'),
      'CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v` AS select 1',
    );
    assert.equal(stripDefiner('CREATE DEFINER=`root`@`%` FUNCTION `f`() RETURNS int RETURN 1'), 'CREATE FUNCTION `f`() RETURNS int RETURN 1');
    assert.equal(stripDefiner('CREATE DEFINER=`a``b`@`h` TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @a = 1'), 'CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @a = 1');
    assert.equal(stripDefiner("CREATE DEFINER='app'@'10.0.%' EVENT e ON SCHEDULE EVERY 1 DAY DO SELECT 1"), 'CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO SELECT 1');
    assert.equal(stripDefiner('CREATE DEFINER=CURRENT_USER SQL SECURITY INVOKER VIEW v AS SELECT 1'), 'CREATE SQL SECURITY INVOKER VIEW v AS SELECT 1');
    assert.equal(stripDefiner('CREATE DEFINER=CURRENT_USER() PROCEDURE p() SELECT 1'), 'CREATE PROCEDURE p() SELECT 1');
    assert.equal(stripDefiner('CREATE DEFINER=`a_role` PROCEDURE p() SELECT 1'), 'CREATE PROCEDURE p() SELECT 1', 'a MariaDB role has no host');
  });

  test('leaves a statement without one, and a DEFINER in the body, alone', () => {
    assert.equal(stripDefiner('CREATE VIEW v AS SELECT 1'), 'CREATE VIEW v AS SELECT 1');
    const body = "CREATE PROCEDURE p() SELECT 'DEFINER=`x`@`y`'";
    assert.equal(stripDefiner(body), body);
  });
});

describe('retargetDatabase', () => {
  test('rewrites backquoted and bare qualifiers, three-part names and the object name itself', () => {
    assert.equal(
      retargetDatabase('CREATE VIEW `src`.`v` AS select `src`.`t`.`a` AS `a` from `src`.`t`', 'src', 'dst', PLAIN),
      'CREATE VIEW `dst`.`v` AS select `dst`.`t`.`a` AS `a` from `dst`.`t`',
    );
    assert.equal(retargetDatabase('SELECT COUNT(*) FROM src.film f JOIN src . actor a', 'src', 'dst', PLAIN), 'SELECT COUNT(*) FROM `dst`.film f JOIN `dst` . actor a');
    assert.equal(retargetDatabase('GRANT SELECT ON src.* TO x', 'src', 'dst', PLAIN), 'GRANT SELECT ON `dst`.* TO x');
  });

  test('leaves strings, comments, variables, other databases and non-qualifier uses alone', () => {
    const untouched = [
      "SELECT 'src.t', \"src.t\", _utf8mb4'`src`.`t`' FROM t",
      'SELECT 1 -- src.t\n, 2 # src.t\n /* `src`.t */ FROM t',
      'SELECT @src.t, @@session.sql_mode, @`src`.x FROM t',
      'SELECT `other`.`src`.`c` FROM `other`.`src`',
      'SELECT src, `src` AS src FROM `srcx`.t, xsrc.t',
      'SELECT 1.5, 0x1F FROM t',
    ];
    for (const sql of untouched) assert.equal(retargetDatabase(sql, 'src', 'dst', PLAIN), sql, sql);
  });

  test('strings end where the object sql_mode says they do', () => {
    assert.equal(retargetDatabase("SELECT 'a\\' , src.t'", 'src', 'dst', PLAIN), "SELECT 'a\\' , src.t'", 'a backslash escapes the quote');
    assert.equal(retargetDatabase("SELECT 'a\\' , src.t", 'src', 'dst', NO_BACKSLASH), "SELECT 'a\\' , `dst`.t", 'NO_BACKSLASH_ESCAPES: the backslash is a character');
    assert.equal(retargetDatabase('SELECT "src".t, \'src.t\' FROM "src"."t"', 'src', 'dst', ANSI), 'SELECT `dst`.t, \'src.t\' FROM `dst`."t"');
  });

  test('runs the code of executable comments and quotes awkward names', () => {
    assert.equal(retargetDatabase('SELECT /*!50001 src.t.a */ FROM t', 'src', 'dst', PLAIN), 'SELECT /*!50001 `dst`.t.a */ FROM t');
    assert.equal(retargetDatabase('SELECT * FROM `my``db`.t', 'my`db', 'new db`', PLAIN), 'SELECT * FROM `new db```.t');
    assert.equal(retargetDatabase('SELECT * FROM `123`.t, 123.5', '123', 'dst', PLAIN), 'SELECT * FROM `dst`.t, 123.5', 'digits alone are a number');
  });
});

describe('triggers and the whole statement', () => {
  test('FOLLOWS and PRECEDES are dropped from the header only', () => {
    assert.equal(
      stripTriggerOrder('CREATE TRIGGER `b` BEFORE INSERT ON `src`.`t` FOR EACH ROW PRECEDES `a` SET NEW.n = 1'),
      'CREATE TRIGGER `b` BEFORE INSERT ON `src`.`t` FOR EACH ROW SET NEW.n = 1',
    );
    assert.equal(stripTriggerOrder('CREATE TRIGGER b AFTER UPDATE ON t\n\tFOR EACH ROW FOLLOWS a BEGIN END'), 'CREATE TRIGGER b AFTER UPDATE ON t\n\tFOR EACH ROW BEGIN END');
    const plain = 'CREATE TRIGGER b BEFORE INSERT ON t FOR EACH ROW SET NEW.precedes = 1';
    assert.equal(stripTriggerOrder(plain), plain);
  });

  test('targetStatement strips the definer and retargets in the object dialect', () => {
    assert.equal(
      targetStatement({ kind: 'trigger', ddl: 'CREATE DEFINER=`root`@`localhost` TRIGGER t1 BEFORE INSERT ON src.t FOR EACH ROW FOLLOWS t0 SET NEW.a = "src".f()' }, 'src', 'dst', 'ANSI_QUOTES'),
      'CREATE TRIGGER t1 BEFORE INSERT ON `dst`.t FOR EACH ROW SET NEW.a = `dst`.f()',
    );
  });

  test('clientCharset keeps the object charset when the UTF-8 text means the same in it', () => {
    assert.equal(clientCharset('utf8mb3', 'SELECT "é"'), 'utf8mb3');
    assert.equal(clientCharset('latin1', 'SELECT 1'), 'latin1');
    assert.equal(clientCharset('latin1', "SELECT 'é'"), 'utf8mb4');
  });
});

describe('orderViews', () => {
  test('puts a view after the views it reads, ties by name', () => {
    const view = (name: string, reads: string[]) => ({ name, ddl: `CREATE VIEW \`src\`.\`${name}\` AS select 1 from ${reads.map((r) => `\`src\`.\`${r}\``).join(', ') || 'dual'}` });
    const views = [view('a_outer', ['m_middle', 'tbl']), view('m_middle', ['z_inner']), view('z_inner', ['tbl']), view('b_alone', [])];
    assert.deepEqual(orderViews(views, 'src', PLAIN).map((v) => v.name), ['z_inner', 'm_middle', 'a_outer', 'b_alone']);
    assert.deepEqual([...qualifiedNames(views[0]?.ddl ?? '', 'src', PLAIN)].sort(), ['a_outer', 'm_middle', 'tbl']);
  });
});
