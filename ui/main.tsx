import { Component, StrictMode, type ErrorInfo, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import './styles.css';

/** Whatever goes wrong while drawing, the page says so instead of going blank. */
class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('Faultline: the page failed to draw', error, info.componentStack);
  }

  override render() {
    if (this.state.error) {
      return (
        <div className="app">
          <header className="app-header">
            <h1>Faultline</h1>
          </header>
          <main className="content crashed" role="alert">
            <h2>Something went wrong drawing the page</h2>
            <p>{this.state.error.message}</p>
            <button type="button" className="button" onClick={() => location.reload()}>
              Reload
            </button>
          </main>
        </div>
      );
    }
    return this.props.children;
  }
}

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');
createRoot(container).render(
  <StrictMode>
    <ErrorBoundary>
      <App />
    </ErrorBoundary>
  </StrictMode>,
);
