import base from '../../eslint.config.js';
export default base.map((c) =>
  c.languageOptions?.parserOptions?.projectService
    ? { ...c, languageOptions: { ...c.languageOptions, parserOptions: { projectService: { allowDefaultProject: ['*.ts'] }, tsconfigRootDir: '/work/main' } } }
    : c,
);
