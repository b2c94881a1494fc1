from kubevet.cli import main

raise SystemExit(main())
