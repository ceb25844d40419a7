from torchwise.cli import main

raise SystemExit(main())
